"""Every visible string of fcnn.viz and ``fcnn lecture``: one table per language, same keys.

Keys are grouped by where they appear (``boundary.*``, ``graph.*``, ``lecture.*``,
``quiz.*``...); ``class.<name>``, ``data.<name>``, ``act.<name>`` and ``match.<title>``
translate names used by other modules. Values are ``str.format`` templates. A test
checks that both tables have exactly the same keys and the same ``{fields}``.
The Chinese follows the lecture's own words where it has them.

Example:
    >>> STRINGS["en"]["lecture.quiz"], STRINGS["zh"]["lecture.quiz"]
    ('6. Pop Quiz', '6. 随堂测验（Pop Quiz）')
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- words used everywhere
    "word.class_n": "class {i}",
    "word.full_batch": "full batch",
    "word.loss": "loss",
    "word.accuracy": "accuracy",
    "word.epoch": "epoch",
    "word.sep": ", ",
    # --- names from other modules
    "class.starfish": "starfish", "class.lobster": "lobster", "class.shark": "shark",
    "class.blob 0": "blob 0", "class.blob 1": "blob 1", "class.blob 2": "blob 2",
    "class.same sign": "same sign", "class.opposite sign": "opposite sign",
    "class.outer": "outer", "class.inner": "inner",
    "class.upper": "upper", "class.lower": "lower",
    "class.arm 0": "arm 0", "class.arm 1": "arm 1", "class.arm 2": "arm 2",
    "data.blobs": "blobs", "data.xor": "xor", "data.circles": "circles", "data.moons": "moons",
    "data.spiral": "spiral",
    "act.sigmoid": "Sigmoid", "act.tanh": "Tanh", "act.relu": "ReLU",
    "act.leaky_relu": "Leaky ReLU",
    "match.very weak vs very strong team": "very weak vs very strong team",
    "match.two equally strong teams": "two equally strong teams",
    # --- fonts
    "font.missing": "No Chinese font was found, so Chinese characters in the figures would be "
                    "empty boxes; the figures are drawn anyway. Install one, e.g. "
                    "`sudo apt-get install {package}` (Debian/Ubuntu; other systems: any of "
                    "{fonts}), then run again.",
    # --- decision boundaries
    "boundary.linear": "linear classifier f = Wx + b",
    "boundary.no_activation": "no activation",
    "boundary.net": "{layers}-layer net, hidden {widths} ({activation})",
    "boundary.accuracy": "train accuracy {acc:.1f}%",
    "boundary.accuracy_seeds": "train accuracy {mean:.1f} ± {sd:.1f}% ({n} seeds)",
    "boundary.pieces": "boundary: {count} straight pieces",
    "boundary.pieces_one": "boundary: {count} straight piece",
    "boundary.pieces_seeds": "boundary: {mean} straight pieces (seed {seed}: {drawn})",
    "boundary.pieces_seeds_one": "boundary: {mean} straight piece (seed {seed}: {drawn})",
    "boundary.legend_boundary": "decision boundary",
    "boundary.caption": "{data}; Adam, lr {lr:g}, {epochs} epochs, batch: {batch}. Accuracy: "
                        "mean ± standard deviation over the seeds. Pieces: straight segments "
                        "of the boundary inside the square, counted exactly from the weights; "
                        "drawn: the seed with the median accuracy.",
    "boundary.title": "decision boundaries on {dataset}",
    "boundary.case": "{data}: {what}",
    "boundary.separable": "linearly separable",
    "boundary.not_separable": "not linearly separable",
    "boundary.separability_title": "linearly separable vs not: a linear classifier draws "
                                   "straight boundaries",
    "data.describe": "{name}, {n} points, noise {noise:g}",
    "data.twisted": "{name} (arms wound {twist:g} rad further)",
    # --- activation and softmax figures
    "curves.derivative": "derivative dy/dx",
    "softmax.scores_title": "scores f (raw network output)",
    "softmax.score": "score",
    "softmax.q_label": "q = softmax(f)",
    "softmax.p_label": "p = true label (one-hot)",
    "softmax.q_title": "probabilities q = softmax(f), sum = 1",
    "softmax.probability": "probability",
    # --- losses and entropy
    "loss.model": "model",
    "loss.model_name": "model {name}",
    "loss.ce_engine": "CE ({log}, engine)",
    "loss.ce_exact": "CE ({log}, exact)",
    "loss.hinge_short": "hinge",
    "loss.probability_axis": "softmax probability q",
    "loss.probabilities_title": "softmax probabilities (true class: {true})",
    "loss.ce_label": "cross-entropy ({log})",
    "loss.hinge_label": "multiclass SVM (hinge) loss",
    "loss.comparison_title": "cross-entropy tells B is unsure; hinge is 0 for all",
    "entropy.win": "win", "entropy.draw": "draw", "entropy.loss": "loss",
    "entropy.probability": "probability p(x)",
    "entropy.title": "entropy: how uncertain is the outcome?",
    # --- weight templates
    "templates.weight_value": "weight value (red +, blue -, white 0)",
    "templates.scale_weights": "colours are the weights on one shared scale: red positive, "
                               "blue negative",
    "templates.rescaled": "each template rescaled",
    "templates.min": "its min", "templates.max": "its max",
    "templates.scale_rescaled": "each template is rescaled from its own minimum (black) to "
                                "maximum (white), all colour channels alike",
    "templates.linear_title": "linear classifier f = Wx + b: each row of W as an image "
                              "(a template)",
    "templates.linear_caption": "Shown: all {k} rows of W, one per class; {scale}.",
    "templates.w1_row": "W1 row {row}",
    "templates.first_layer": "first layer: {n} of {total} templates (rows of W1)",
    "templates.w2_x": "template (W1 row)",
    "templates.w2_y": "class",
    "templates.w2_title": "W2: how each class combines the template matches (red +, blue -)",
    "templates.w2_bar": "W2 weight",
    "templates.two_layer_caption": "Shown: rows {rows} of W1 (the {n} of {total} hidden "
                                   "neurons with the largest |W2| weight). Templates: "
                                   "{scale}.",
    # --- training figures
    "history.training": "training",
    "history.validation": "validation",
    "history.best_epoch": "best epoch ({epoch})",
    "history.per_epoch": "{metric} per epoch",
    "confusion.fraction": "fraction of the true class",
    "confusion.count": "count",
    "confusion.predicted": "predicted class",
    "confusion.true": "true class",
    "confusion.title": "confusion matrix (accuracy {acc:.1%})",
    "metric.precision": "precision", "metric.recall": "recall", "metric.f1": "F1",
    "metric.macro": "{name} (macro {value:.3f})",
    "metric.score": "score",
    "metric.title": "per-class precision, recall and F1 (accuracy {acc:.1%})",
    # --- computation graphs
    "graph.constant": "const {shape}",
    "graph.input": "input {n}",
    "graph.shape": "shape {shape}",
    "graph.forward": "forward value",
    "graph.gradient": "gradient d(output)/d(node)",
    "graph.title": "computation graph: output = {value}",
    "backward.headers": "node|gradient to|local|upstream|downstream = local x upstream",
    # --- notebook display of a model
    "summary.layer": "layer", "summary.type": "type", "summary.output": "output features",
    "summary.params": "parameters", "summary.total": "total",
    "summary.title": "{name}: {params} parameters",
    # --- the lecture walk-through
    "lecture.page_title": "fcnn: the lecture, runnable",
    "lecture.page_intro": "Every worked number of the lecture recomputed by fcnn, next to the "
                          "lecture's, and every picture drawn from the real engine.",
    "lecture.figure_line": "figure: {path}",
    "lecture.index_line": "index: {html} and {md}",
    "lecture.structure": "1. Structure: f = Wx + b, f = W2 φ(W1 x + b1) + b2, templates, "
                         "boundaries",
    "lecture.activations": "2. Activation functions and softmax",
    "lecture.losses": "3. Losses and entropy",
    "lecture.backprop": "4. Forward and backward propagation on the computation graph",
    "lecture.granularity": "5. Granularity of the computation graph (coarse vs fine)",
    "lecture.quiz": "6. Pop Quiz",
    "lecture.quantity": "quantity", "lecture.lecture": "lecture", "lecture.library": "fcnn",
    "lecture.status": "status",
    "lecture.agrees": "agrees", "lecture.agrees_approx": "agrees (≈, see note)",
    "lecture.differs": "DIFFERS (see note)",
    "lecture.linear": "Linear classifier f = Wx + b: {classes} templates (one per class), each "
                      "{pixels} weights = one per pixel of a {shape} image (digits, test "
                      "accuracy {acc:.1%}).",
    "lecture.two_layer": "Two-layer net, {hidden} first-layer templates (chosen freely), "
                         "combined per class by W2 (test accuracy {acc:.1%}).",
    "lecture.separable": "Linearly separable (blobs): a linear classifier reaches {a:.0%}; not "
                         "separable (circles): linear {b:.0%}, two-layer net {c:.0%}.",
    "lecture.width_title": "wider is more powerful: 3, 6, 20 hidden neurons",
    "lecture.depth_title": "deeper is more powerful: 2, 3, 4 layers of 6 neurons; bottom: the "
                           "same nets without activation",
    "lecture.width": "Wider is more powerful: two-layer nets with 3, 6, 20 hidden neurons on "
                     "{data}: train accuracy {accs} (mean ± sd over {n} seeds); the boundary "
                     "has {pieces} straight pieces.",
    "lecture.depth": "Deeper is more powerful: 2, 3, 4 layers of 6 neurons (top): train "
                     "accuracy {accs}, boundary pieces {pieces} (over {n} seeds); the same "
                     "nets without activations (bottom) are linear classifiers: {lin}, "
                     "{lin_pieces} pieces (straight lines, at most one per pair of classes).",
    "lecture.pieces_note": "Boundary pieces: a ReLU net is affine on each of finitely many "
                           "convex regions of the plane, so its decision boundary is a chain "
                           "of straight segments; fcnn finds the regions exactly (cutting the "
                           "square along every hidden neuron's kink, layer by layer) and counts "
                           "the segments, joining those that continue one line.",
    "lecture.collapse": "Without activations a 3-layer net is linear: W' = W3 W2 W1 and "
                        "b' = W3 W2 b1 + W3 b2 + b3 reproduce its output to {err:.1e}.",
    "lecture.collapse_note": "The lecture writes W1 W2 W3 x + W2 W3 b1 + W3 b2 + b3; with "
                             "f = W3(W2(W1 x + b1) + b2) + b3 the products run the other way: "
                             "W3 W2 W1 x + W3 W2 b1 + W3 b2 + b3 (W1 W2 W3 is not even defined "
                             "unless all layers are square).",
    "lecture.act": "Sigmoid squashes into (0, 1), tanh into (-1, 1); ReLU keeps x > 0; Leaky "
                   "ReLU (k = 0.1) shrinks x < 0 towards 0. Dashed: the derivative, from "
                   "backward().",
    "lecture.softmax_title": "scores -> softmax -> probabilities",
    "lecture.softmax": "Softmax turns the scores [1.3, 5.1, 2.2, 0.7, 1.1] into probabilities "
                       "that sum to 1.",
    "lecture.starfish_title": "scores [0.6, -2.3, 1.9]; true class: {true}",
    "lecture.starfish": "Scores [0.6, -2.3, 1.9] for starfish, lobster, shark; the truth is "
                        "starfish. The lecture uses log base 10.",
    "lecture.q_ce": "CE = -log10 q({name})",
    "lecture.hinge_loss": "hinge loss",
    "lecture.ce_note": "-log10(0.21) = 0.678 from the rounded probability; from the exact "
                       "q = 0.2117 it is 0.674 ~ 0.67 (the lecture's value).",
    "lecture.engine_ce": "fcnn's cross_entropy uses the natural log: {ce:.4f} nats = "
                         "{ce10:.4f} in log10.",
    "lecture.models": "The lecture's loss comparison (true class starfish):",
    "lecture.a_q_note": "q = 0.999992 (printed as 0.99, truncated)",
    "lecture.c_q_note": "The lecture prints ≈ 1: q = 1 - 3.4e-48, which is exactly 1 in "
                        "float64.",
    "lecture.shark_note": "The table prints model A as [10, -2, 3], but its probabilities "
                          "(6.14e-6, 2.26e-6) and the hinge slide use [10, -2, -3]; with +3 "
                          "the shark would get {p:.2e}. fcnn uses -3.",
    "lecture.model_ce": "{model}: CE (log10)",
    "lecture.model_q": "{model}: q({name})",
    "lecture.model_hinge": "{model}: hinge",
    "lecture.a_note": "The lecture computes -log10(0.99) from the probability rounded to "
                      "0.99; the exact q = 0.999992 gives {v:.2e}, 1000x smaller.",
    "lecture.b_note": "-log10(0.58) = 0.2366 from the rounded 0.58; the exact q = 0.5761 "
                      "gives 0.2395.",
    "lecture.c_note": "1.69e-48 is q(lobster) = q(shark), not the loss. The loss is "
                      "-log10(1 - 2 x 1.69e-48) = {v:.2e} (3.38e-48 nats); in float64 (and "
                      "float32) 1 - 3.4e-48 rounds to 1, so the engine gives exactly 0.",
    "lecture.c_shown": "{v} (exact {exact})",
    "lecture.hinge_all": "Hinge loss of models A, B, C (all 0: it cannot tell B is unsure)",
    "lecture.entropy": "Entropy: a lopsided match is almost certain, an even match is "
                       "maximally uncertain (log base 10).",
    "lecture.even": "entropy of an even match (1/3, 1/3, 1/3)",
    "lecture.certain": "entropy of a certain result (0, 0, 1)",
    "lecture.lopsided": "entropy of a lopsided match (0.01, 0.01, 0.98)",
    "lecture.lopsided_note": "The slide's very weak vs very strong team has p ≈ (0, 0, 1) and "
                             "H ≈ 0; fcnn takes (0.01, 0.01, 0.98): H = {h:.4f}, {share:.0%} of "
                             "an even match's {even:.3f}: ≈ 0 to within {tolerance:g}.",
    "lecture.kl": "H(p, q) = H(p) + KL(p || q); with a one-hot p, H(p) = 0 so cross-entropy = "
                  "KL: {h:.4f} = {hp:.4f} + {kl:.4f}.",
    "lecture.square_title": "f = (x + y)^2 at x = 1, y = 2 (values chosen by fcnn: the slide "
                            "gives none)",
    "lecture.sin_title": "f = sin(1/x^2) at x = 1.5 (value chosen by fcnn: the slide gives none)",
    "lecture.neuron_fine_title": "f = sigmoid(w0*x0 + w1*x1 + b), fine granularity (the "
                                 "slide's values)",
    "lecture.neuron_coarse_title": "f = sigmoid(w0*x0 + w1*x1 + b), coarse granularity",
    "lecture.xy": "f = (x + y)^2 at x = 1, y = 2: the slide draws this graph without numbers, "
                  "so fcnn chose the values.",
    "lecture.sin": "f = sin(1/x^2) at x = 1.5: the slide gives no value, so fcnn chose one.",
    "lecture.neuron": "The sigmoid neuron f = sigmoid(w0 x0 + w1 x1 + b) with w0=2, x0=-1, "
                      "w1=-3, x1=-2, b=-3 (the slide's values), at the fine granularity (the "
                      "lecture's * + neg exp +1 1/x).",
    "lecture.table": "Backward pass, step by step (downstream gradient = local gradient x "
                     "upstream gradient):",
    "lecture.coarse": "The same neuron as one sigmoid node (coarse, like Caffe): values and "
                      "gradients are identical ({diff:.1e} apart); the local gradient of "
                      "sigmoid is y(1 - y) = {local:.4f}.",
    "lecture.sigmoid_local": "sigmoid local gradient y(1-y)",
    "lecture.timing": "Measured here: one training step of a {arch} MLP on {n} samples takes "
                      "{coarse:.2f} ms coarse vs {fine:.2f} ms fine ({ratio:.1f}x): coarse is "
                      "faster, fine is more flexible.",
    "lecture.f": "f = sigmoid(...)",
    "lecture.quiz_intro": "The lecture's five questions with fcnn's answers (ask yourself "
                          "first: fcnn lecture --quiz).",
    "lecture.quiz_answer": "Answer: {answer}. {explanation}",
    "lecture.flatten": "CIFAR-10 image flattened (quiz 1)",
    "lecture.rows": "rows of W for 10 classes (quiz 2)",
    "lecture.hinge_min": "smallest hinge loss (quiz 3)",
    # --- the Pop Quiz
    "quiz.intro": "Pop Quiz: {n} questions from the lecture. Answer with a letter (A-D), a "
                  "number or the option's words; an empty line skips a question.",
    "quiz.prompt": "your answer: ",
    "quiz.unreadable": "Could not read {answer!r} as one of the options: type A, B, C or D "
                       "(or the option's number or words).",
    "quiz.right": "Right: {answer}.",
    "quiz.wrong": "Not quite: you chose {chosen}; the answer is {answer}.",
    "quiz.skipped": "Skipped; the answer is {answer}.",
    "quiz.why": "Why (computed by fcnn): {explanation}",
    "quiz.score": "Your score: {score} of {total}.",
    "quiz.number": "#", "quiz.question": "question", "quiz.answer": "answer",
    "quiz.reason": "why (computed by fcnn)",
    "quiz.q1": "After flattening, how long is the vector of a CIFAR-10 image?",
    "quiz.q1.options": "680|1024|3072|5120",
    "quiz.q1.explain": "a CIFAR-10 image has {c} colour channels of {h} x {w} pixels; fcnn "
                       "stores it as ({c}, {h}, {w}), and image.reshape(1, -1) has {n} "
                       "features.",
    "quiz.q2": "In a linear classifier, how many rows does the weight matrix W have?",
    "quiz.q2.options": "the length of the image vector|the number of classes|the number of "
                       "samples in the data set|the side length of the image",
    "quiz.q2.explain": "MLP(3072, [], 10), the linear classifier f = Wx + b for CIFAR-10, has "
                       "W of shape {shape}: {rows} rows, one template per class.",
    "quiz.q3": "What is the smallest value the multiclass SVM loss (hinge loss) can take?",
    "quiz.q3.options": "-∞|-1|0|1",
    "quiz.q3.explain": "every term max(0, s_j - s_y + 1) is at least 0, and the sum is 0 once "
                       "the true class wins by the margin: hinge_loss([[10, -2, -3]], [0]) = "
                       "{loss} (the lecture's model A).",
    "quiz.q4": "In a positive/negative classification task, which one describes \"of all "
               "samples classified as positive, how many are truly positive\"?",
    "quiz.q4.options": "Precision|Recall|Accuracy|F1 score",
    "quiz.q4.explain": "with y_true = {y_true} and y_pred = {y_pred}, 4 samples are "
                       "classified positive and 3 of them are positive: "
                       "fcnn.metrics.precision_recall_f1 gives precision {precision:.2f} "
                       "(recall, of all true positives how many were found: {recall:.2f}).",
    "quiz.q5": "Which of these is not a hyper-parameter?",
    "quiz.q5.options": "the weight of the regularization term in the loss|the number of "
                       "layers of the network|the learning rate|the bias",
    "quiz.q5.explain": "the bias is a parameter the training learns: an MLP's parameters are "
                       "{names}; the learning rate, the number of layers and the weight decay "
                       "are chosen before training (fcnn train --lr, --hidden, "
                       "--weight-decay).",
    # --- the notebooks
    "notebook.title": "Fully connected neural networks: the lecture, runnable",
    "notebook.intro": "This notebook recomputes the lecture (Ye Shan, China University of "
                      "Geosciences, Beijing) with fcnn: every figure comes from the real "
                      "engine. Run the cells from the top; the parameters cell sets how long "
                      "the decision-boundary nets train.",
    "notebook.setup": "Load fcnn's notebook display: a Tensor shows its computation graph "
                      "with values and gradients, a model a summary table, a History its "
                      "curves.",
    "notebook.parameters": "Parameters: training length and seeds of the width and depth "
                           "figures (the lecture's settings; fewer epochs for a quick look).",
    "notebook.model": "A model shows a summary table of its layers and parameters:",
    "notebook.history": "Training returns a History; it shows its curves:",
    "notebook.tensor": "A tensor shows its computation graph, with forward values (green) "
                       "and, after backward(), gradients (red):",
    "notebook.quiz": "Answer them interactively in a terminal with `fcnn lecture --quiz`.",
    "notebook.epochs_comment": "training epochs of each decision-boundary net (full batch)",
    "notebook.seeds_comment": "each net of the width and depth figures, once per seed",
}

ZH: dict[str, str] = {
    # --- words used everywhere
    "word.class_n": "类别 {i}",
    "word.full_batch": "全批量",
    "word.loss": "损失",
    "word.accuracy": "正确率",
    "word.epoch": "轮次",
    "word.sep": "、",
    # --- names from other modules
    "class.starfish": "海星", "class.lobster": "龙虾", "class.shark": "鲨鱼",
    "class.blob 0": "团 0", "class.blob 1": "团 1", "class.blob 2": "团 2",
    "class.same sign": "同号", "class.opposite sign": "异号",
    "class.outer": "外圈", "class.inner": "内圈",
    "class.upper": "上弧", "class.lower": "下弧",
    "class.arm 0": "旋臂 0", "class.arm 1": "旋臂 1", "class.arm 2": "旋臂 2",
    "data.blobs": "三团 blobs", "data.xor": "异或 xor", "data.circles": "同心圆 circles",
    "data.moons": "双月 moons", "data.spiral": "螺旋 spiral",
    "act.sigmoid": "Sigmoid（S 状函数）", "act.tanh": "Tanh（双曲正切函数）",
    "act.relu": "ReLU（线性整流函数）", "act.leaky_relu": "Leaky ReLU（泄露线性整流函数）",
    "match.very weak vs very strong team": "极弱队 vs 极强队",
    "match.two equally strong teams": "两队势均力敌",
    # --- fonts
    "font.missing": "未找到中文字体，图中的中文将显示为空方框（图照常生成）。请安装一个中文字体，"
                    "例如 `sudo apt-get install {package}`（Debian/Ubuntu；其他系统可用 {fonts} "
                    "之一），然后重新运行。",
    # --- decision boundaries
    "boundary.linear": "线性分类器 f = Wx + b",
    "boundary.no_activation": "无激活函数",
    "boundary.net": "{layers} 层网络，隐藏层 {widths}（{activation}）",
    "boundary.accuracy": "训练正确率 {acc:.1f}%",
    "boundary.accuracy_seeds": "训练正确率 {mean:.1f} ± {sd:.1f}%（{n} 个随机种子）",
    "boundary.pieces": "分界线：{count} 段直线",
    "boundary.pieces_one": "分界线：{count} 段直线",
    "boundary.pieces_seeds": "分界线：平均 {mean} 段直线（种子 {seed}：{drawn} 段）",
    "boundary.pieces_seeds_one": "分界线：平均 {mean} 段直线（种子 {seed}：{drawn} 段）",
    "boundary.legend_boundary": "分界线",
    "boundary.caption": "{data}；Adam，学习率 {lr:g}，{epochs} 轮，批量：{batch}。"
                        "正确率：各随机种子的"
                        "平均值 ± 标准差。段数：方框内分界线的直线段数，由权值精确算出；"
                        "图中画出的是正确率居中的那个种子。",
    "boundary.title": "{dataset} 上的分界线",
    "boundary.case": "{data}：{what}",
    "boundary.separable": "线性可分",
    "boundary.not_separable": "线性不可分",
    "boundary.separability_title": "线性可分与线性不可分：线性分类器只能画出直线分界面",
    "data.describe": "{name}，{n} 个点，噪声 {noise:g}",
    "data.twisted": "{name}（旋臂多绕 {twist:g} 弧度）",
    # --- activation and softmax figures
    "curves.derivative": "导数 dy/dx",
    "softmax.scores_title": "分数 f（网络的原始输出）",
    "softmax.score": "分数",
    "softmax.q_label": "q = softmax(f)",
    "softmax.p_label": "p = 真实标签（one-hot）",
    "softmax.q_title": "概率 q = softmax(f)，加起来是 1",
    "softmax.probability": "概率",
    # --- losses and entropy
    "loss.model": "模型",
    "loss.model_name": "模型 {name}",
    "loss.ce_engine": "交叉熵（{log}，引擎）",
    "loss.ce_exact": "交叉熵（{log}，精确）",
    "loss.hinge_short": "合页损失",
    "loss.probability_axis": "softmax 概率 q",
    "loss.probabilities_title": "softmax 概率（真实类别：{true}）",
    "loss.ce_label": "交叉熵损失（{log}）",
    "loss.hinge_label": "多类支持向量机损失（合页损失）",
    "loss.comparison_title": "交叉熵能看出 B 的“置信度”不够；合页损失全为 0",
    "entropy.win": "胜", "entropy.draw": "平", "entropy.loss": "负",
    "entropy.probability": "概率 p(x)",
    "entropy.title": "熵：比赛结果有多大悬念？",
    # --- weight templates
    "templates.weight_value": "权值（红为正，蓝为负，白为 0）",
    "templates.scale_weights": "颜色即权值，所有模板共用一个色标：红为正，蓝为负",
    "templates.rescaled": "每个模板单独缩放",
    "templates.min": "最小值", "templates.max": "最大值",
    "templates.scale_rescaled": "每个模板按自身的最小值（黑）到最大值（白）缩放，各颜色通道相同",
    "templates.linear_title": "线性分类器 f = Wx + b：W 的每一行画成一幅图（一个模板）",
    "templates.linear_caption": "图中为 W 的全部 {k} 行，每类一行；{scale}。",
    "templates.w1_row": "W1 第 {row} 行",
    "templates.first_layer": "第一层：{total} 个模板中的 {n} 个（W1 的行）",
    "templates.w2_x": "模板（W1 的行）",
    "templates.w2_y": "类别",
    "templates.w2_title": "W2：每个类别如何融合各模板的匹配结果（红为正，蓝为负）",
    "templates.w2_bar": "W2 权值",
    "templates.two_layer_caption": "图中为 W1 的第 {rows} 行（{total} 个隐藏神经元中 |W2| 权值"
                                   "最大的 {n} 个）。模板：{scale}。",
    # --- training figures
    "history.training": "训练集",
    "history.validation": "验证集",
    "history.best_epoch": "最佳轮次（{epoch}）",
    "history.per_epoch": "每轮的{metric}",
    "confusion.fraction": "占真实类别的比例",
    "confusion.count": "样本数",
    "confusion.predicted": "预测类别",
    "confusion.true": "真实类别",
    "confusion.title": "混淆矩阵（正确率 {acc:.1%}）",
    "metric.precision": "精准度", "metric.recall": "召回率", "metric.f1": "F1 分数",
    "metric.macro": "{name}（宏平均 {value:.3f}）",
    "metric.score": "分数",
    "metric.title": "各类别的精准度、召回率和 F1 分数（正确率 {acc:.1%}）",
    # --- computation graphs
    "graph.constant": "常量 {shape}",
    "graph.input": "输入 {n}",
    "graph.shape": "形状 {shape}",
    "graph.forward": "前向计算的值",
    "graph.gradient": "梯度 d(输出)/d(节点)",
    "graph.title": "计算图：输出 = {value}",
    "backward.headers": "节点|梯度传给|局部梯度|上游梯度|下游梯度 = 局部 × 上游",
    # --- notebook display of a model
    "summary.layer": "层", "summary.type": "类型", "summary.output": "输出维数",
    "summary.params": "参数个数", "summary.total": "合计",
    "summary.title": "{name}：{params} 个参数",
    # --- the lecture walk-through
    "lecture.page_title": "fcnn：可运行的讲义",
    "lecture.page_intro": "讲义中每个算例都由 fcnn 重新计算并与讲义的数值对照，"
                          "每幅图都由真实的引擎画出。",
    "lecture.figure_line": "图：{path}",
    "lecture.index_line": "索引页：{html} 和 {md}",
    "lecture.structure": "1. 总体结构：f = Wx + b、f = W2 φ(W1 x + b1) + b2、权值模板、分界面",
    "lecture.activations": "2. 激活函数与 softmax",
    "lecture.losses": "3. 损失函数与熵",
    "lecture.backprop": "4. 计算图上的前向传播和反向传播",
    "lecture.granularity": "5. 计算图的颗粒度（粗 vs 细）",
    "lecture.quiz": "6. 随堂测验（Pop Quiz）",
    "lecture.quantity": "量", "lecture.lecture": "讲义", "lecture.library": "fcnn",
    "lecture.status": "结论",
    "lecture.agrees": "一致", "lecture.agrees_approx": "一致（≈，见注释）",
    "lecture.differs": "不一致（见注释）",
    "lecture.linear": "线性分类器 f = Wx + b：{classes} 个模板（每类一个），每个模板 {pixels} 个"
                      "权值，对应 {shape} 图像的每个像素（digits 数据集，测试正确率 {acc:.1%}）。",
    "lecture.two_layer": "两层网络：第一层 {hidden} 个模板（个数人为指定），W2 按类别融合各模板"
                         "的匹配结果（测试正确率 {acc:.1%}）。",
    "lecture.separable": "线性可分（三团 blobs）：线性分类器正确率 {a:.0%}；线性不可分（同心圆 "
                         "circles）：线性分类器 {b:.0%}，两层网络 {c:.0%}。",
    "lecture.width_title": "隐藏层神经元越多（越宽），非线性分类能力越强：3、6、20 个神经元",
    "lecture.depth_title": "层数越多（越深），非线性分类能力越强："
                           "每层 6 个神经元的 2、3、4 层网络；"
                           "下排：去掉激活函数的同样网络",
    "lecture.width": "越宽，非线性分类能力越强：隐藏层 3、6、20 个神经元的两层网络（数据：{data}）"
                     "的训练正确率为 {accs}（{n} 个随机种子的平均值 ± 标准差）；分界线分别由 "
                     "{pieces} 段直线组成。",
    "lecture.depth": "越深，非线性分类能力越强：每个隐藏层 6 个神经元的 2、3、4 层网络（上排）："
                     "训练正确率 {accs}，分界线段数 {pieces}（{n} 个随机种子）；去掉激活函数的"
                     "同样网络（下排）都是线性分类器：{lin}，{lin_pieces} 段（都是直线，"
                     "每对类别至多一段）。",
    "lecture.pieces_note": "分界线段数：ReLU 网络在平面上有限个凸区域内各自是仿射函数，所以分界线由"
                           "一段段直线连成；fcnn 逐层沿每个隐藏神经元的折点切分方框，精确地找出"
                           "这些区域，再数出分界线的直线段（同一直线上相连的段只算一段）。",
    "lecture.collapse": "去掉激活函数，三层网络就是线性分类器：W' = W3 W2 W1、"
                        "b' = W3 W2 b1 + W3 b2 + b3 复现其输出，误差 {err:.1e}。",
    "lecture.collapse_note": "讲义写作 W1 W2 W3 x + W2 W3 b1 + W3 b2 + b3；由 "
                             "f = W3(W2(W1 x + b1) + b2) + b3，乘积顺序应相反："
                             "W3 W2 W1 x + W3 W2 b1 + W3 b2 + b3（除非各层都是方阵，"
                             "W1 W2 W3 根本无定义）。",
    "lecture.act": "Sigmoid 把输出压缩到 (0, 1)，Tanh 压缩到 (-1, 1)；ReLU 保留大于 0 的部分；"
                   "Leaky ReLU（k = 0.1）把小于 0 的输出向 0 压缩。虚线：由 backward() 算出的"
                   "导数。",
    "lecture.softmax_title": "分数 -> softmax -> 概率",
    "lecture.softmax": "softmax 把分数 [1.3, 5.1, 2.2, 0.7, 1.1] 变成加起来为 1 的概率。",
    "lecture.starfish_title": "分数 [0.6, -2.3, 1.9]；真实类别：{true}",
    "lecture.starfish": "分数 [0.6, -2.3, 1.9] 对应海星、龙虾、鲨鱼；真实类别为海星。讲义使用"
                        "以 10 为底的对数。",
    "lecture.q_ce": "交叉熵 = -log10 q({name})",
    "lecture.hinge_loss": "合页损失",
    "lecture.ce_note": "由四舍五入后的概率 0.21 得 -log10(0.21) = 0.678；由精确的 q = 0.2117 得 "
                       "0.674 ≈ 0.67（讲义的值）。",
    "lecture.engine_ce": "fcnn 的 cross_entropy 使用自然对数：{ce:.4f}（nats）= {ce10:.4f}"
                         "（log10）。",
    "lecture.models": "讲义中的损失对比（真实类别为海星）：",
    "lecture.a_q_note": "q = 0.999992（讲义截断印作 0.99）",
    "lecture.c_q_note": "讲义印作 ≈ 1：q = 1 - 3.4e-48，在 float64 中正好是 1。",
    "lecture.shark_note": "表中模型 A 印作 [10, -2, 3]，但其概率（6.14e-6、2.26e-6）和合页损失"
                          "一页都对应 [10, -2, -3]；若为 +3，鲨鱼的概率应为 {p:.2e}。"
                          "fcnn 采用 -3。",
    "lecture.model_ce": "{model}：交叉熵（log10）",
    "lecture.model_q": "{model}：q({name})",
    "lecture.model_hinge": "{model}：合页损失",
    "lecture.a_note": "讲义用四舍五入到 0.99 的概率计算 -log10(0.99)；精确的 q = 0.999992 给出 "
                      "{v:.2e}，小 1000 倍。",
    "lecture.b_note": "-log10(0.58) = 0.2366 来自四舍五入的 0.58；精确的 q = 0.5761 给出 0.2395。",
    "lecture.c_note": "1.69e-48 是 q(龙虾) = q(鲨鱼)，不是损失。损失为 -log10(1 - 2 × 1.69e-48) = "
                      "{v:.2e}（3.38e-48 nats）；在 float64（及 float32）中 1 - 3.4e-48 舍入为 1，"
                      "因此引擎给出的正好是 0。",
    "lecture.c_shown": "{v}（精确值 {exact}）",
    "lecture.hinge_all": "模型 A、B、C 的合页损失（都为 0：无法判断 B 的“置信度”不够）",
    "lecture.entropy": "熵：实力悬殊的比赛几乎没有悬念，势均力敌的比赛悬念最大（以 10 为底）。",
    "lecture.even": "势均力敌的比赛 (1/3, 1/3, 1/3) 的熵",
    "lecture.certain": "结果确定 (0, 0, 1) 的熵",
    "lecture.lopsided": "实力悬殊的比赛 (0.01, 0.01, 0.98) 的熵",
    "lecture.lopsided_note": "讲义中极弱队 vs 极强队的 p ≈ (0, 0, 1)，H ≈ 0；fcnn 取 "
                             "(0.01, 0.01, 0.98)：H = {h:.4f}，是势均力敌时 {even:.3f} 的 "
                             "{share:.0%}：在 {tolerance:g} 以内 ≈ 0。",
    "lecture.kl": "H(p, q) = H(p) + KL(p || q)；p 为 one-hot 时 H(p) = 0，交叉熵 = KL："
                  "{h:.4f} = {hp:.4f} + {kl:.4f}。",
    "lecture.square_title": "f = (x + y)^2，x = 1、y = 2（讲义未给数值，由 fcnn 选定）",
    "lecture.sin_title": "f = sin(1/x^2)，x = 1.5（讲义未给数值，由 fcnn 选定）",
    "lecture.neuron_fine_title": "f = sigmoid(w0*x0 + w1*x1 + b)，细颗粒度（讲义的数值）",
    "lecture.neuron_coarse_title": "f = sigmoid(w0*x0 + w1*x1 + b)，粗颗粒度",
    "lecture.xy": "f = (x + y)^2，取 x = 1、y = 2：讲义中的计算图没有给出数值，数值由 fcnn 选定。",
    "lecture.sin": "f = sin(1/x^2)，取 x = 1.5：讲义没有给出数值，数值由 fcnn 选定。",
    "lecture.neuron": "sigmoid 神经元 f = sigmoid(w0 x0 + w1 x1 + b)，w0=2、x0=-1、w1=-3、x1=-2、"
                      "b=-3（讲义的数值），细颗粒度（讲义中的 * + neg exp +1 1/x）。",
    "lecture.table": "逐步反向传播（下游梯度 = 局部梯度 × 上游梯度）：",
    "lecture.coarse": "同一个神经元用一个 sigmoid 节点表示（粗颗粒度，类似 Caffe）：数值与梯度"
                      "完全相同（相差 {diff:.1e}）；sigmoid 的局部梯度为 y(1 - y) = {local:.4f}。",
    "lecture.sigmoid_local": "sigmoid 的局部梯度 y(1-y)",
    "lecture.timing": "本机实测：{arch} MLP 在 {n} 个样本上训练一步，粗颗粒度 {coarse:.2f} ms，"
                      "细颗粒度 {fine:.2f} ms（{ratio:.1f} 倍）：粗颗粒度计算快，细颗粒度定义"
                      "简单、组合灵活。",
    "lecture.f": "f = sigmoid(...)",
    "lecture.quiz_intro": "讲义的五道随堂测验及 fcnn 给出的答案（先自己答一遍：fcnn lecture --lang "
                          "zh --quiz）。",
    "lecture.quiz_answer": "答案：{answer}。{explanation}",
    "lecture.flatten": "CIFAR-10 图像 flatten 后的长度（测验 1）",
    "lecture.rows": "10 类任务中 W 的行数（测验 2）",
    "lecture.hinge_min": "合页损失的最小值（测验 3）",
    # --- the Pop Quiz
    "quiz.intro": "随堂测验：讲义中的 {n} 道题。用字母（A-D）、数字或选项的文字作答；直接回车"
                  "跳过该题。",
    "quiz.prompt": "你的答案：",
    "quiz.unreadable": "无法把 {answer!r} 识别为某个选项：请输入 A、B、C 或 D（或选项中的数字、"
                       "文字）。",
    "quiz.right": "正确：{answer}。",
    "quiz.wrong": "不对：你选了 {chosen}；答案是 {answer}。",
    "quiz.skipped": "已跳过；答案是 {answer}。",
    "quiz.why": "原因（由 fcnn 计算）：{explanation}",
    "quiz.score": "得分：{score} / {total}。",
    "quiz.number": "题号", "quiz.question": "题目", "quiz.answer": "答案",
    "quiz.reason": "原因（由 fcnn 计算）",
    "quiz.q1": "CIFAR-10中的图像经过flatten操作后，形成的向量长度为？",
    "quiz.q1.options": "680|1024|3072|5120",
    "quiz.q1.explain": "CIFAR-10 图像有 {c} 个颜色通道，每个 {h} × {w} 像素；fcnn 按 "
                       "({c}, {h}, {w}) 存储，image.reshape(1, -1) 得到 {n} 个特征。",
    "quiz.q2": "线性分类器中，权值矩阵W的行数为？",
    "quiz.q2.options": "图像向量长度|任务类别数|数据集样本数|图像的边长",
    "quiz.q2.explain": "MLP(3072, [], 10) 即 CIFAR-10 的线性分类器 f = Wx + b，其 W 的形状为 "
                       "{shape}：{rows} 行，每类一个模板。",
    "quiz.q3": "多类支撑向量机损失（合页损失）取值范围的最小值是多少？",
    "quiz.q3.options": "-∞|-1|0|1",
    "quiz.q3.explain": "每一项 max(0, s_j - s_y + 1) 都不小于 0，真实类别的分数高出其他类别一个"
                       "间隔后总和为 0：hinge_loss([[10, -2, -3]], [0]) = {loss}"
                       "（讲义中的模型 A）。",
    "quiz.q4": "在阴性/阳性的二分类任务中，描述“所有被分类为阳性的样本中，真实的阳性样本占"
               "多少？”的是以下哪一项？",
    "quiz.q4.options": "精准度 Precision|召回率 Recall|正确率 Accuracy|F1分数",
    "quiz.q4.explain": "y_true = {y_true}、y_pred = {y_pred} 时，有 4 个样本被分类为阳性，其中 3 个"
                       "真实为阳性：fcnn.metrics.precision_recall_f1 给出精准度 {precision:.2f}"
                       "（召回率是所有真实阳性样本中被找出的比例：{recall:.2f}）。",
    "quiz.q5": "以下哪一项不是超参数？",
    "quiz.q5.options": "损失函数的正则化占比|神经网络的层数|学习率|偏置",
    "quiz.q5.explain": "偏置是训练学到的参数：MLP 的参数为 {names}；学习率、层数和权值衰减"
                       "（正则化）都在训练前选定（fcnn train --lr、--hidden、--weight-decay）。",
    # --- the notebooks
    "notebook.title": "全连接神经网络：可运行的讲义",
    "notebook.intro": "本笔记本用 fcnn 重新计算讲义（叶山，中国地质大学（北京））中的内容：每幅图都"
                      "由真实的引擎画出。请从上到下运行各单元；参数单元设定分界线网络的训练长度。",
    "notebook.setup": "载入 fcnn 的笔记本显示：张量显示其计算图（数值和梯度），"
                      "模型显示各层的汇总表，"
                      "History 显示训练曲线。",
    "notebook.parameters": "参数：宽度图和深度图的训练轮数与随机种子（讲义的设置；想快速浏览可减少"
                           "轮数）。",
    "notebook.model": "模型显示各层及参数个数的汇总表：",
    "notebook.history": "训练返回一个 History，它显示训练曲线：",
    "notebook.tensor": "张量显示它的计算图：前向计算的值（绿）以及 backward() 之后的梯度（红）：",
    "notebook.quiz": "在终端中用 `fcnn lecture --lang zh --quiz` 交互作答。",
    "notebook.epochs_comment": "每个分界线网络的训练轮数（全批量）",
    "notebook.seeds_comment": "宽度图和深度图中的每个网络对每个随机种子各训练一次",
}

STRINGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}
