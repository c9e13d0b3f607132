"""Lessons that follow the source articles' own path, each step a link that opens a live page in the
state that shows the idea. The text is ours, in both languages (locale/zh/LC_MESSAGES/lessons.po);
each step cites the article it follows (../shared/articles/README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ui.i18n import N_

ARTICLES = {
    "A0": N_(
        "Article 1 (000): what large models are; MSE and cross-entropy; gradient descent; backpropagation; "
        "overfitting; cross-validation"
    ),
    "A1": N_("Article 2 (001): softmax and cross-entropy; optimizers; the Keras Iris network 4-10-8-3"),
    "A2": N_("Article 3 (002): the environmental cost of large models; the PyTorch BigModel 1000-200-100-1"),
    "A3": N_("Article 4 (003): batch norm, attention; a worked linear-regression example; accuracy, recall, F1"),
    "A4": N_("Article 5 (004): the Transformer and positional encoding; the 784-128-10 network with SGD"),
}


@dataclass(frozen=True)
class Step:
    title: str  # one idea, in a few words
    idea: str  # the idea in a few sentences, in our words
    article: str  # key of ARTICLES: the article this step follows
    page: str  # the live page that shows it
    params: dict = field(default_factory=dict)  # its settings, as URL query parameters (the page's schema)
    predict: str = ""  # what to guess before pressing the button
    look_for: str = ""  # what to read on the page afterwards


STEPS = (
    Step(
        N_("A loss measures how wrong the model is"),
        N_(
            "Training means making one number small: the loss. For a number to predict, the mean squared error "
            "averages the squared gaps between prediction and truth. For classes, softmax turns the network's "
            "scores into probabilities and cross-entropy charges −log of the probability given to the true class."
        ),
        "A0",
        "views/1_Playground.py",
        {"dataset": "moons", "loss": "cross_entropy", "epochs": "60"},
        N_(
            "Train once with softmax cross-entropy, then switch the loss to mean squared error and train again. "
            "Which one reaches 95% validation accuracy in fewer epochs?"
        ),
        N_(
            "The loss curves and the formula beside the controls: cross-entropy keeps a strong gradient on "
            "confidently wrong points, the squared error of probabilities flattens out there."
        ),
    ),
    Step(
        N_("Gradient descent and its learning rate"),
        N_(
            "Gradient descent moves every weight a small step against the slope of the loss: θ ← θ − α·∇L. "
            "The learning rate α sets the step. On the articles' linear regression the loss over (w, b) is a bowl "
            "whose bottom is known exactly, so we can watch each step."
        ),
        "A0",
        "views/3_Loss_surface.py",
        {"view": "toy", "surface": "regression", "lr": "0.05"},
        N_("Raise the learning rate to 1.2. Will SGD still reach the bottom of the bowl?"),
        N_(
            "The path on the map and the loss-against-step chart: a step that is too large overshoots the bottom, "
            "and each overshoot is larger than the last until the page marks the path as diverged."
        ),
    ),
    Step(
        N_("Optimizers: momentum and Adam"),
        N_(
            "Plain gradient descent crawls along a narrow curved valley. Momentum keeps a running velocity; Adam "
            "scales each step by a running estimate of the gradient's size. Rosenbrock's valley shows the difference."
        ),
        "A1",
        "views/3_Loss_surface.py",
        {"view": "toy", "surface": "rosenbrock"},
        N_("Which optimizer gets closest to the minimum at (1, 1) in 200 steps?"),
        N_(
            "The table of final losses and the paths: with this small learning rate SGD creeps down the valley "
            "floor, momentum builds up speed and gets closest, and Adam, whose steps are about α long whatever the "
            "gradient, covers only a short stretch. Raise the learning rate and race again."
        ),
    ),
    Step(
        N_("Backpropagation: the articles' worked example"),
        N_(
            "Article 4 works a linear model with w = 1, b = 0 on x = [1, 2, 3], y = [1, 2, 3]: the prediction is "
            "already exact, so every gradient is zero and the update changes nothing. (The article writes W·X as "
            "if W were a vector of ones: for one input and one weight it is simply w·x.)"
        ),
        "A3",
        "views/4_Backprop.py",
        {"sizes": "1-1", "activation": "linear", "x": "2", "y": "2", "w": "1", "b": "0"},
        N_("Set w to 0.5 and press through the four stages. What are dL/dw and dL/db now?"),
        N_(
            "Each stage's formula with the numbers filled in, and the check against autograd and finite "
            "differences: with w = 0.5 the prediction is 1, the error −1, dL/dw = 2·(−1)·2 = −4 and dL/db = −2."
        ),
    ),
    Step(
        N_("Why deep sigmoid networks learn slowly"),
        N_(
            "Backpropagation multiplies one derivative per layer. The sigmoid's derivative is at most 1/4, so "
            "in a deep stack of sigmoids the gradient shrinks layer by layer before it reaches the first weights."
        ),
        "A0",
        "views/4_Backprop.py",
        {"depth": "8", "deep_activation": "sigmoid"},
        N_("Switch the activation of the deep stack from sigmoid to ReLU. Will the first layer's gradient grow?"),
        N_("The chart of gradient norms per layer, on a log scale."),
    ),
    Step(
        N_("The articles' Iris network"),
        N_(
            "Article 2 classifies Iris flowers with a Keras network 4-10-8-3: ReLU hidden layers, a softmax output, "
            "sparse categorical cross-entropy and Adam for 100 epochs. The same network trains here in PyTorch."
        ),
        "A1",
        "views/1_Playground.py",
        {
            "dataset": "iris",
            "widths": "10,8",
            "activation": "relu",
            "loss": "cross_entropy",
            "optimizer": "adam",
            "lr": "0.01",
            "epochs": "100",
        },
        N_("What validation accuracy will 100 epochs reach on the 38 validation flowers?"),
        N_(
            "The confusion matrix: setosa is separated perfectly; the few mistakes are between versicolor and "
            "virginica, whose measurements overlap."
        ),
    ),
    Step(
        N_("Handwritten digits with SGD"),
        N_(
            "Article 5 trains a 784-128-10 network on MNIST with plain SGD. Here the digits are scikit-learn's "
            "8×8 images, so the same network is 64-128-10."
        ),
        "A4",
        "views/1_Playground.py",
        {"dataset": "digits", "widths": "128", "activation": "relu", "optimizer": "sgd", "lr": "0.1", "epochs": "30"},
        N_("Will plain SGD with learning rate 0.1 beat 90% validation accuracy in 30 epochs?"),
        N_("The per-class scores: which digits are confused with which, in the confusion matrix."),
    ),
    Step(
        N_("Overfitting, and what each remedy does"),
        N_(
            "A network big enough to memorise a small noisy dataset fits its noise: training accuracy climbs while "
            "validation accuracy stalls. L1 and L2 penalties, dropout, early stopping, batch norm and augmentation "
            "each push back in their own way; they are compared on a test split none of them trained on."
        ),
        "A0",
        "views/5_Regularization.py",
        {"dataset": "moons"},
        N_("Which remedy will close the gap between training and validation accuracy the most?"),
        N_(
            "The gap-shaded curves, the boundaries (wiggly without a remedy) and the weight histograms: L1 puts "
            "many weights at zero, L2 makes them all small."
        ),
    ),
    Step(
        N_("Choosing a model by cross-validation"),
        N_(
            "One validation split can be lucky. k-fold cross-validation trains k models, each validated on a "
            "different fold, and reports the mean and spread of their scores."
        ),
        "A0",
        "views/1_Playground.py",
        {"dataset": "circles", "epochs": "40"},
        N_("Train, then run 5-fold cross-validation. Will the folds' accuracies differ by more than 2 points?"),
        N_("The bar chart of the folds and the mean ± standard deviation."),
    ),
    Step(
        N_("Accuracy is not the whole story: precision, recall, F1"),
        N_(
            "Precision asks how many of the predicted members of a class really are; recall asks how many of the "
            "real members were found; F1 is their harmonic mean. On balanced data they agree with accuracy; they "
            "part ways when a class is rare or hard."
        ),
        "A3",
        "views/1_Playground.py",
        {"dataset": "spirals", "epochs": "30"},
        N_("On the spirals, after 30 epochs, will precision and recall be equal?"),
        N_("The metric cards and the per-class table under the confusion matrix."),
    ),
    Step(
        N_("Attention: each position reads from the others"),
        N_(
            "Self-attention computes, for each position, a weighted average of all positions: the weights are a "
            "softmax of query·key scores. To reverse a sequence, output i must read input 7 − i, so the right "
            "pattern is known in advance and we can check whether a head learned it."
        ),
        "A4",
        "views/6_Attention.py",
        {"task": "reverse"},
        N_("Will some head put most of its attention on the anti-diagonal?"),
        N_("The map that matches the known pattern and its score, then switch that head off under Head ablation."),
    ),
    Step(
        N_("Position has to be added: positional encoding"),
        N_(
            "Attention by itself ignores order. The Transformer adds to each token's embedding a pattern of sines "
            "and cosines of its position, each dimension at its own frequency."
        ),
        "A4",
        "views/6_Attention.py",
        {"task": "shift"},
        N_("In the positional-encoding chart, which dimensions change fastest with position?"),
        N_("The stripes of the encoding: low dimensions oscillate quickly, high dimensions slowly."),
    ),
    Step(
        N_("Sharp and flat minima"),
        N_(
            "Two networks from the same initial weights, one trained with small batches and one with the whole set "
            "per step, end in different places of the loss landscape. Keskar et al. (2017) link flatter minima to "
            "better generalisation."
        ),
        "A0",
        "views/3_Loss_surface.py",
        {"view": "net", "source": "pair"},
        N_("Which model, A (batch 8) or B (batch 300), sits in the sharper minimum?"),
        N_("The two maps on one colour scale and the sharpness numbers under them."),
    ),
)
