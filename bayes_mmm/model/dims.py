"""Every dimension, variable and group name used across the package, in one place."""

from __future__ import annotations

# dimensions
CHAIN = "chain"
DRAW = "draw"
SAMPLE_DIMS = (CHAIN, DRAW)
DATE = "date"
CHANNEL = "channel"
CONTROL = "control"
FOURIER = "fourier"
LAG = "lag"
COMPONENT = "component"
SPEND_MULTIPLE = "spend_multiple"  # response curves: weekly spend / current mean weekly spend
LIFT_TEST = "lift_test"  # one measured experiment (bayes_mmm.data.lift)

# sampled parameters (model units: see docs/defaults.md)
ROI = "roi"
DECAY = "decay"
HALF_SAT = "half_saturation"
SLOPE = "slope"
INTERCEPT = "intercept"
TREND = "trend"
SEASONALITY = "seasonality"
CONTROL_COEF = "control_coef"
SIGMA = "sigma"
NU = "nu"
SIGMA_SHARED = "sigma_shared"  # a weekly shock common to all geos (geo_noise="shared")
SAT_LOGIT = "saturation_logit"  # sampled in place of half_saturation (see bayes_mmm.model.build)
LEVEL = "level"  # sampled in place of the intercept (see bayes_mmm.model.build)

CHANNEL_PARAMS = (ROI, DECAY, HALF_SAT, SLOPE, "peak", "lam")  # of every component
# the dimension of each vector-valued parameter (others are scalars per draw)
PARAM_DIMS = {**dict.fromkeys(CHANNEL_PARAMS, CHANNEL), SEASONALITY: FOURIER, CONTROL_COEF: CONTROL}

# observed variable and constant data
OBS = "y"
LIFT_OBS = "lift"  # measured lifts of the lift tests (scaled outcome)
SPEND = "spend"
CONTROLS = "controls"
Y_SCALE = "target_scale"
SPEND_SCALE = "spend_scale"
CONTROL_MEAN = "control_mean"
CONTROL_SD = "control_sd"

# attributes stored on the DataTree root
ATTR_SPEC = "bayes_mmm_spec"
ATTR_DATA = "bayes_mmm_data"
ATTR_PRIORS = "bayes_mmm_priors"
ATTR_DIAGNOSTICS = "bayes_mmm_diagnostics"
ATTR_VERSION = "bayes_mmm_version"
ATTR_SPEND_UNIT = "bayes_mmm_spend_unit"  # unit of scaled spend (data.scaling.SPEND_UNIT)

# contribution components other than channels
BASELINE = "baseline"

# parameters of the other media components (bayes_mmm.model.components)
PEAK = "peak"  # delayed adstock: the lag (periods) of the peak effect
LAM = "lam"  # logistic saturation: steepness, per unit of on-week mean spend
SAMPLE = "sample"  # chain x draw flattened (numpy forward model)
GEO = "geo"  # region; national data are one geo (numpy forward model)
# the numpy forward model's array layout (bayes_mmm.model.forward): axes by name
FORWARD_LAYOUT = (SAMPLE, GEO, DATE, CHANNEL)

# the geo hierarchy (bayes_mmm.model.build): priors of these are configurable
ROI_GEO = "roi_geo"  # (geo, channel) ROI of each geo (deterministic)
ROI_GEO_SD = "roi_geo_sd"  # (channel,) spread of log ROI across geos
ROI_GEO_Z = "roi_geo_z"  # (channel, geo) non-centred deviations, zero-sum over geos
TREND_GEO_SD, TREND_GEO_Z = "trend_geo_sd", "trend_geo_z"
SEASON_GEO_SD, SEASON_GEO_Z = "seasonality_geo_sd", "seasonality_geo_z"  # amplitude, (geo,)
GEO_PRIOR_NAMES = (ROI_GEO_SD, TREND_GEO_SD, SEASON_GEO_SD)
WINDOW_TEST = "window_test"  # a windowed lift test (bayes_mmm.model.components.window_lift)
WINDOW_OBS = "window_lift"  # measured lifts of the windowed tests (scaled outcome, summed)
