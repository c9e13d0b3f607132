"""Evaluation metrics and k-fold cross-validation, through scikit-learn's own implementations."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from sklearn import metrics as skm
from sklearn.model_selection import KFold, StratifiedKFold

from core import models
from core.data import Dataset
from core.errors import ConfigError
from core.train import fit, predict


def classification_report(y_true, logits, class_names) -> dict:
    """Accuracy, macro precision/recall/F1, per-class scores and the confusion matrix."""
    y_pred = np.asarray(logits).argmax(-1)
    labels = list(range(len(class_names)))
    p, r, f, support = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(p.mean()),
        "recall": float(r.mean()),
        "f1": float(f.mean()),
        "per_class": [
            {"class": str(c), "precision": float(a), "recall": float(b), "f1": float(d), "support": int(s)}
            for c, a, b, d, s in zip(class_names, p, r, f, support)
        ],
        "confusion": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def regression_report(y_true, y_pred) -> dict:
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    return {
        "mse": float(skm.mean_squared_error(y_true, y_pred)),
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "r2": float(skm.r2_score(y_true, y_pred)),
    }


def report(model, dataset: Dataset) -> dict:
    """The validation report of a trained model on the dataset's validation split."""
    out = predict(model, dataset.X_val)
    if dataset.task == "regression":
        return regression_report(dataset.y_val, out)
    return classification_report(dataset.y_val, out, dataset.class_names)


def cross_validate(
    dataset: Dataset, model_name: str, model_options: dict, train_options: dict, k: int = 5, on_fold=None
) -> dict:
    """k-fold cross-validation over train + validation rows: a fresh model per fold, same settings.

    Returns each fold's headline score (accuracy, or R^2 for regression), their mean and std.
    """
    if not 2 <= k <= 10:
        raise ConfigError(f"The number of folds k must be 2 to 10, got {k}.")
    X = np.concatenate([dataset.X_train, dataset.X_val])
    y = np.concatenate([dataset.y_train, dataset.y_val])
    seed = train_options.get("seed", 0)
    if dataset.task == "classification":
        splits = StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y)
    else:
        splits = KFold(k, shuffle=True, random_state=seed).split(X)
    scores = []
    for i, (tr, va) in enumerate(splits):
        fold = dataclasses.replace(dataset, X_train=X[tr], y_train=y[tr], X_val=X[va], y_val=y[va])
        torch.manual_seed(seed)
        model = models.build(model_name, **model_options)
        fit(model, fold, **{**train_options, "record_trajectory": False, "device": "cpu"})
        r = report(model, fold)
        scores.append(r["r2"] if dataset.task == "regression" else r["accuracy"])
        if on_fold:
            on_fold(i + 1, k)
    return {
        "metric": "r2" if dataset.task == "regression" else "accuracy",
        "folds": scores,
        "mean": float(np.mean(scores)),
        "std": float(np.std(scores)),
    }
