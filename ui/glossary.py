"""The bilingual glossary: each term as the articles write it in Chinese, its English name, what it
means (in the reader's language) and the page that shows it."""

from __future__ import annotations

from dataclasses import dataclass

from ui.i18n import N_


@dataclass(frozen=True)
class Term:
    zh: str  # the articles' usage
    en: str
    meaning: str  # one sentence, translated where shown
    page: str  # the page that shows it


TERMS = (
    Term(
        "损失函数",
        "loss function",
        N_("The number training makes small: how far predictions are from the truth."),
        "views/1_Playground.py",
    ),
    Term(
        "均方误差",
        "mean squared error (MSE)",
        N_("The mean of the squared gaps between prediction and truth."),
        "views/1_Playground.py",
    ),
    Term(
        "交叉熵",
        "cross-entropy",
        N_("−log of the probability the model gives the true class, averaged."),
        "views/1_Playground.py",
    ),
    Term(
        "Softmax",
        "softmax",
        N_("Turns a vector of scores into probabilities that sum to 1: e^z_k / Σ e^z_j."),
        "views/1_Playground.py",
    ),
    Term(
        "梯度下降",
        "gradient descent",
        N_("Moving every weight a small step against the slope of the loss."),
        "views/3_Loss_surface.py",
    ),
    Term("学习率", "learning rate", N_("The size α of each gradient-descent step."), "views/3_Loss_surface.py"),
    Term(
        "优化器",
        "optimizer",
        N_("The rule that turns gradients into weight updates: SGD, momentum, Adam ..."),
        "views/3_Loss_surface.py",
    ),
    Term(
        "损失曲面",
        "loss surface (landscape)",
        N_("The loss as a function of the weights, seen on a plane or a line."),
        "views/3_Loss_surface.py",
    ),
    Term(
        "反向传播",
        "backpropagation",
        N_("The chain rule applied layer by layer, from the loss back to every weight."),
        "views/4_Backprop.py",
    ),
    Term(
        "激活函数",
        "activation function",
        N_("The non-linear function after each layer: ReLU, tanh, sigmoid."),
        "views/4_Backprop.py",
    ),
    Term(
        "梯度消失",
        "vanishing gradient",
        N_("Gradients that shrink layer by layer until the first layers barely learn."),
        "views/4_Backprop.py",
    ),
    Term(
        "过拟合",
        "overfitting",
        N_("Fitting the noise of the training data: training accuracy high, validation low."),
        "views/5_Regularization.py",
    ),
    Term(
        "正则化", "regularization", N_("Any change to training that fights overfitting."), "views/5_Regularization.py"
    ),
    Term(
        "L1/L2 正则化",
        "L1/L2 penalty",
        N_("A penalty on the size of the weights added to the loss."),
        "views/5_Regularization.py",
    ),
    Term(
        "Dropout",
        "dropout",
        N_("Switching random units off during training, so no unit can rely on another."),
        "views/5_Regularization.py",
    ),
    Term(
        "早停",
        "early stopping",
        N_("Keeping the weights of the epoch with the best validation loss."),
        "views/5_Regularization.py",
    ),
    Term(
        "批归一化",
        "batch normalization",
        N_("Normalising each layer's inputs over the batch, then rescaling them."),
        "views/5_Regularization.py",
    ),
    Term(
        "交叉验证",
        "cross-validation",
        N_("Training k models, each validated on a different fold of the data."),
        "views/1_Playground.py",
    ),
    Term("准确率", "accuracy", N_("The share of predictions that are right."), "views/1_Playground.py"),
    Term(
        "精确率",
        "precision",
        N_("Of the samples predicted as a class, the share that really are."),
        "views/1_Playground.py",
    ),
    Term("召回率", "recall", N_("Of the samples of a class, the share the model found."), "views/1_Playground.py"),
    Term("F1 分数", "F1 score", N_("The harmonic mean of precision and recall."), "views/1_Playground.py"),
    Term(
        "注意力机制",
        "attention",
        N_("Each position reads a weighted average of all positions: softmax(QKᵀ/√d)·V."),
        "views/6_Attention.py",
    ),
    Term(
        "位置编码",
        "positional encoding",
        N_("Sines and cosines of the position added to each token, so order counts."),
        "views/6_Attention.py",
    ),
    Term(
        "Transformer",
        "Transformer",
        N_("A network of stacked self-attention and feed-forward layers."),
        "views/6_Attention.py",
    ),
    Term(
        "ONNX", "ONNX", N_("An open file format for trained networks, run here by onnxruntime."), "views/2_Model_zoo.py"
    ),
    Term(
        "量化",
        "quantization",
        N_("Storing weights in fewer bits (int8 instead of 32-bit floats)."),
        "views/2_Model_zoo.py",
    ),
)
