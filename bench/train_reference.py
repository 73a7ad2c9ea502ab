"""Python side of bench/train.ts: XGBoost (tree_method=hist) and scikit-learn's
HistGradientBoostingClassifier on the exact rows the TypeScript trainer sees.

Usage: python3 bench/train_reference.py DATA_DIR OUT_JSON
DATA_DIR holds meta.json (columns, parameters, threads), the feature matrix X.f32 (rows x features,
row-major float32, NaN = missing; categorical columns hold dictionary codes), labels y.u8 and the
train mask train.u8, and optionally X_ordinal.f32 (categorical columns as Conveyor's ordinal codes,
trained as numeric by "xgboost_ordinal"). Writes each library's test-row probabilities to
DATA_DIR/<name>.f64 and the timings (wall and process CPU seconds) to OUT_JSON. Thread count comes from meta.json; set OMP_NUM_THREADS to the same value
before starting this script so scikit-learn's OpenMP pool has that size too.
"""

import json
import os
import sys
import time

import numpy as np


def main() -> None:
    data_dir, out_path = sys.argv[1], sys.argv[2]
    with open(f"{data_dir}/meta.json") as f:
        meta = json.load(f)
    rows, features = meta["rows"], len(meta["columns"])
    X = np.fromfile(f"{data_dir}/X.f32", dtype=np.float32).reshape(rows, features)
    y = np.fromfile(f"{data_dir}/y.u8", dtype=np.uint8).astype(np.float32)
    train = np.fromfile(f"{data_dir}/train.u8", dtype=np.uint8).astype(bool)
    categorical = [c["type"] == "categorical" for c in meta["columns"]]
    p = meta["params"]
    threads = meta["threads"]
    X_train, y_train, X_test = X[train], y[train], X[~train]
    result = {}

    import xgboost as xgb

    xgb_params = {
        "tree_method": "hist",
        "objective": "binary:logistic",
        "eta": p["learning_rate"],
        "grow_policy": "lossguide",
        "max_leaves": p["max_leaves"],
        "max_depth": p["max_depth"],
        "max_bin": p["max_bins"],
        "lambda": p["l2"],
        "alpha": p["l1"],
        "min_child_weight": p["min_hessian_leaf"],
        "nthread": threads,
        "seed": 0,
    }
    start, cpu = time.perf_counter(), time.process_time()
    dtrain = xgb.DMatrix(
        X_train,
        label=y_train,
        feature_types=["c" if c else "q" for c in categorical],
        enable_categorical=True,
        nthread=threads,
    )
    booster = xgb.train(xgb_params, dtrain, num_boost_round=p["n_trees"])
    result["xgboost"] = {
        "train_seconds": time.perf_counter() - start,
        "train_cpu_seconds": time.process_time() - cpu,
        "version": xgb.__version__,
    }
    start = time.perf_counter()
    dtest = xgb.DMatrix(
        X_test, feature_types=["c" if c else "q" for c in categorical], enable_categorical=True, nthread=threads
    )
    booster.predict(dtest).astype(np.float64).tofile(f"{data_dir}/xgboost.f64")
    result["xgboost"]["predict_seconds"] = time.perf_counter() - start

    ordinal_path = f"{data_dir}/X_ordinal.f32"
    if os.path.exists(ordinal_path):
        # Categorical features as Conveyor's ordinal codes, split by threshold like Conveyor's trees: the
        # same trees on the same encoding, which isolates the trainer from the categorical encoding.
        X_ordinal = np.fromfile(ordinal_path, dtype=np.float32).reshape(rows, features)
        start, cpu = time.perf_counter(), time.process_time()
        dtrain = xgb.DMatrix(X_ordinal[train], label=y_train, nthread=threads)
        booster = xgb.train(xgb_params, dtrain, num_boost_round=p["n_trees"])
        result["xgboost_ordinal"] = {
            "train_seconds": time.perf_counter() - start,
            "train_cpu_seconds": time.process_time() - cpu,
            "version": xgb.__version__,
        }
        start = time.perf_counter()
        dtest = xgb.DMatrix(X_ordinal[~train], nthread=threads)
        booster.predict(dtest).astype(np.float64).tofile(f"{data_dir}/xgboost_ordinal.f64")
        result["xgboost_ordinal"]["predict_seconds"] = time.perf_counter() - start

    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier

    start, cpu = time.perf_counter(), time.process_time()
    model = HistGradientBoostingClassifier(
        learning_rate=p["learning_rate"],
        max_iter=p["n_trees"],
        max_leaf_nodes=p["max_leaves"],
        max_depth=p["max_depth"],
        min_samples_leaf=p["min_samples_leaf"],
        l2_regularization=p["l2"],
        max_bins=p["max_bins"],
        categorical_features=np.array(categorical) if any(categorical) else None,
        early_stopping=False,
        random_state=0,
    )
    model.fit(X_train, y_train)
    result["sklearn"] = {
        "train_seconds": time.perf_counter() - start,
        "train_cpu_seconds": time.process_time() - cpu,
        "version": sklearn.__version__,
    }
    start = time.perf_counter()
    model.predict_proba(X_test)[:, 1].astype(np.float64).tofile(f"{data_dir}/sklearn.f64")
    result["sklearn"]["predict_seconds"] = time.perf_counter() - start

    with open(out_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
