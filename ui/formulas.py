"""LaTeX of the losses and optimizers, for the learner, beside the controls; keyed by the tables
of core.losses and core.optimizers. Their names, marked for translation, repeat the tables' English
labels (a test holds them equal); show them with _()."""

from ui.i18n import N_

LOSS = {
    "cross_entropy": r"L = -\frac{1}{N}\sum_{n=1}^{N} \log \frac{e^{z_{n,y_n}}}{\sum_{k} e^{z_{n,k}}}",
    "mse": r"L = \frac{1}{N K}\sum_{n=1}^{N}\sum_{k=1}^{K} \big(\hat y_{n,k} - y_{n,k}\big)^2",
}

OPTIMIZER = {
    "sgd": r"\theta_{t+1} = \theta_t - \alpha\, g_t",
    "momentum": r"v_{t+1} = \beta v_t + g_t,\qquad \theta_{t+1} = \theta_t - \alpha\, v_{t+1}",
    "nesterov": r"v_{t+1} = \beta v_t + g_t,\qquad \theta_{t+1} = \theta_t - \alpha\,(g_t + \beta v_{t+1})",
    "adagrad": r"G_{t+1} = G_t + g_t^2,\qquad \theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{G_{t+1}} + \epsilon}\, g_t",
    "rmsprop": r"s_{t+1} = \rho s_t + (1-\rho) g_t^2,\quad \theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{s_{t+1}} + \epsilon}\, g_t",
    "adam": r"\begin{aligned} m_{t+1} &= \beta_1 m_t + (1-\beta_1) g_t,\quad v_{t+1} = \beta_2 v_t + (1-\beta_2) g_t^2 \\"
    r"\theta_{t+1} &= \theta_t - \alpha \frac{\hat m_{t+1}}{\sqrt{\hat v_{t+1}} + \epsilon},"
    r"\quad \hat m = \frac{m}{1-\beta_1^{t+1}},\ \hat v = \frac{v}{1-\beta_2^{t+1}} \end{aligned}",
    "adamw": r"\begin{aligned} &\text{Adam, plus decoupled weight decay } \lambda: \\"
    r"&\theta_{t+1} = \theta_{t+1}^{\text{Adam}} - \alpha \lambda\, \theta_t \end{aligned}",
}

PENALTY = {
    "l1": r"L_{\text{total}} = L + \lambda_1 \sum_i |w_i|",
    "l2": r"L_{\text{total}} = L + \lambda_2 \sum_i w_i^2",
}

OPTIMIZER_NAMES = {
    "sgd": N_("SGD"),
    "momentum": N_("SGD with momentum"),
    "nesterov": N_("Nesterov momentum"),
    "adagrad": N_("Adagrad"),
    "rmsprop": N_("RMSprop"),
    "adam": N_("Adam"),
    "adamw": N_("AdamW"),
}
LOSS_NAMES = {"cross_entropy": N_("Softmax cross-entropy"), "mse": N_("Mean squared error")}

LOSS_NOTE = {
    "cross_entropy": N_("softmax of the logits z, then the negative log-probability of the true class"),
    "mse": N_("for classes, the softmax probabilities against one-hot targets"),
}
