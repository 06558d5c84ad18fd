"""`ray.tune.utils`: `mock_trainable.MyTrainableClass`, the toy trainable Ray Tune's examples import."""
