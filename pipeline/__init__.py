"""modelscale: the pipeline that builds the dataset of ML models and their scale."""
