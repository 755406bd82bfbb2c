"""The lecture, section by section, with the library's numbers next to the lecture's.

``run_lecture("lecture/")`` recomputes every worked example of the lecture on the
real engine (structure, activations, losses and entropy, forward/backward,
granularity), writes every figure (PNG + SVG) and an index page (``index.md``
and ``index.html``) into one folder, and returns the sections, each with its
text and a list of :class:`Check` rows: the quantity, the number printed in the
lecture, the library's number, and whether they agree to the lecture's rounding.
Where the lecture's numbers are rounded or inconsistent the check says so
instead of bending the math.

Text is available in English and Chinese (``lang="en"`` or ``"zh"``, the
lecture's language). Figures keep English labels: matplotlib ships no Chinese
font, and fcnn does not require one.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fcnn import info
from fcnn.engine import Tensor
from fcnn.nn import MLP, cross_entropy, hinge_loss
from fcnn.run import TrainConfig, run_experiment
from fcnn.viz.boundary import (
    depth_architectures,
    plot_separability,
    plot_structure_grid,
    width_architectures,
)
from fcnn.viz.curves import plot_activations, plot_softmax, softmax_probabilities
from fcnn.viz.expression import parse_expression
from fcnn.viz.graph import (
    backward_steps,
    display_width,
    draw_graph,
    format_backward_table,
    format_number,
    pad,
)
from fcnn.viz.losses import (
    LECTURE_CLASSES,
    LECTURE_MATCHES,
    LECTURE_MODELS,
    compare_losses,
    format_loss_table,
    plot_entropy_examples,
    plot_loss_comparison,
)
from fcnn.viz.style import save_figure
from fcnn.viz.templates import plot_linear_templates, plot_two_layer_templates

LANGUAGES = ("en", "zh")
NEURON = "sigmoid(w0*x0 + w1*x1 + b)"
NEURON_VALUES = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}


def agrees(lecture: str, value: float) -> bool:
    """Whether ``value`` equals the lecture's printed number to the lecture's rounding.

    ``"0.73"`` allows +-0.005; ``"6.14e-6"`` allows +-0.005e-6.

    Example:
        >>> agrees("0.73", 0.7311), agrees("0.0043", 3.65e-6), agrees("2.26e-6", 2.2603e-6)
        (True, False, True)
    """
    text = lecture.strip().lower().replace("×10^", "e").replace("x10^", "e")
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** (int(exponent) if exponent else 0)
    tolerance = 0.5 * 10.0 ** -decimals * scale
    return abs(float(value) - float(mantissa) * scale) <= tolerance * (1 + 1e-9)


@dataclass
class Check:
    """One worked number: the lecture's value, the library's, and whether they agree."""

    quantity: str
    lecture: str
    library: float
    note: str = ""
    shown: str | None = None  # how to print the library's number (default: format_number)

    @property
    def ok(self) -> bool:
        return agrees(self.lecture, self.library)

    def library_text(self) -> str:
        if self.shown is not None:
            return self.shown
        value = self.library
        return format_number(value, 4) if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


@dataclass
class Section:
    """One part of the lecture: its title, printed text, figures and checks."""

    key: str
    title: str
    text: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


# ----------------------------------------------------------------------------
# Words, in both languages
# ----------------------------------------------------------------------------

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "structure": "1. Structure: f = Wx + b, f = W2 phi(W1 x + b1) + b2, templates, boundaries",
        "activations": "2. Activation functions and softmax",
        "losses": "3. Losses and entropy",
        "backprop": "4. Forward and backward propagation on the computation graph",
        "granularity": "5. Granularity of the computation graph (coarse vs fine)",
        "quantity": "quantity", "lecture": "lecture", "library": "fcnn", "status": "status",
        "agrees": "agrees", "differs": "DIFFERS (see note)",
        "figures_note": "Figure labels are in English (matplotlib ships no Chinese font).",
        "linear": "Linear classifier f = Wx + b: {classes} templates (one per class), each "
                  "{pixels} weights = one per pixel of a {shape} image (digits, test accuracy "
                  "{acc:.1%}).",
        "two_layer": "Two-layer net, {hidden} first-layer templates (chosen freely), combined "
                     "per class by W2 (test accuracy {acc:.1%}).",
        "separable": "Linearly separable (blobs): a linear classifier reaches {a:.0%}; not "
                     "separable (circles): linear {b:.0%}, two-layer net {c:.0%}.",
        "width": "Wider is more powerful: two-layer nets with 3, 6, 20 hidden neurons on "
                 "moons: train accuracy {accs}.",
        "depth": "Deeper is more powerful: 2, 3, 4 layers of 6 neurons (top) and the same nets "
                 "without activations (bottom, all straight lines): {accs} / {lin}.",
        "collapse": "Without activations a 3-layer net is linear: W' = W3 W2 W1 and "
                    "b' = W3 W2 b1 + W3 b2 + b3 reproduce its output to {err:.1e}.",
        "collapse_note": "The lecture writes W1 W2 W3 x + W2 W3 b1 + W3 b2 + b3; with "
                         "f = W3(W2(W1 x + b1) + b2) + b3 the products run the other way: "
                         "W3 W2 W1 x + W3 W2 b1 + W3 b2 + b3 (W1 W2 W3 is not even defined "
                         "unless all layers are square).",
        "flatten": "CIFAR-10 image flattened (quiz 1)",
        "rows": "rows of W for 10 classes (quiz 2)",
        "softmax": "Softmax turns the scores [1.3, 5.1, 2.2, 0.7, 1.1] into probabilities "
                   "that sum to 1.",
        "act": "Sigmoid squashes into (0, 1), tanh into (-1, 1); ReLU keeps x > 0; Leaky ReLU "
               "(k = 0.1) shrinks x < 0 towards 0. Dashed: the derivative, from backward().",
        "starfish": "Scores [0.6, -2.3, 1.9] for starfish, lobster, shark; the truth is "
                    "starfish. The lecture uses log base 10.",
        "ce_note": "-log10(0.21) = 0.678 from the rounded probability; from the exact "
                   "q = 0.2117 it is 0.674 ~ 0.67 (the lecture's value).",
        "engine_ce": "fcnn's cross_entropy uses the natural log: {ce:.4f} nats = {ce10:.4f} "
                     "in log10.",
        "models": "The lecture's loss comparison (true class starfish):",
        "shark_note": "The table prints model A as [10, -2, 3], but its probabilities "
                      "(6.14e-6, 2.26e-6) and the hinge slide use [10, -2, -3]; with +3 the "
                      "shark would get {p:.2e}. fcnn uses -3.",
        "a_note": "The lecture computes -log10(0.99) from the probability rounded to 0.99; "
                  "the exact q = 0.999992 gives {v:.2e}, 1000x smaller.",
        "b_note": "-log10(0.58) = 0.2366 from the rounded 0.58; the exact q = 0.5761 gives "
                  "0.2395.",
        "c_note": "1.69e-48 is q(lobster) = q(shark), not the loss. The loss is "
                  "-log10(1 - 2 x 1.69e-48) = {v:.2e} (3.38e-48 nats); in float64 (and "
                  "float32) 1 - 3.4e-48 rounds to 1, so the engine gives exactly 0.",
        "hinge_all": "Hinge loss of models A, B, C (all 0: it cannot tell B is unsure)",
        "entropy": "Entropy: a lopsided match is almost certain, an even match is maximally "
                   "uncertain (log base 10).",
        "even": "entropy of an even match (1/3, 1/3, 1/3)",
        "certain": "entropy of a certain result (0, 0, 1)",
        "lopsided": "entropy of a lopsided match (0.01, 0.01, 0.98)",
        "kl": "H(p, q) = H(p) + KL(p || q); with a one-hot p, H(p) = 0 so cross-entropy = KL: "
              "{h:.4f} = {hp:.4f} + {kl:.4f}.",
        "xy": "f = (x + y)^2 at x = 1, y = 2 (values chosen here; the slide's are in an image).",
        "sin": "f = sin(1/x^2) at x = 1.5 (values chosen here).",
        "neuron": "The sigmoid neuron f = sigmoid(w0 x0 + w1 x1 + b) with w0=2, x0=-1, w1=-3, "
                  "x1=-2, b=-3, at the fine granularity (the lecture's * + neg exp +1 1/x).",
        "table": "Backward pass, step by step (downstream gradient = local gradient x "
                 "upstream gradient):",
        "headers": "node|gradient to|local|upstream|downstream = local x upstream",
        "coarse": "The same neuron as one sigmoid node (coarse, like Caffe): values and "
                  "gradients are identical ({diff:.1e} apart); the local gradient of "
                  "sigmoid is y(1 - y) = {local:.4f}.",
        "timing": "Measured here: one training step of a {arch} MLP on {n} samples takes "
                  "{coarse:.2f} ms coarse vs {fine:.2f} ms fine ({ratio:.1f}x): coarse is "
                  "faster, fine is more flexible.",
        "f": "f = sigmoid(...)",
        "grad": "df/d{name}",
    },
    "zh": {
        "structure": "1. 总体结构：f = Wx + b、f = W2 φ(W1 x + b1) + b2、权值模板、分界面",
        "activations": "2. 激活函数与 softmax",
        "losses": "3. 损失函数与熵",
        "backprop": "4. 计算图上的前向传播和反向传播",
        "granularity": "5. 计算图的颗粒度（粗 vs 细）",
        "quantity": "量", "lecture": "讲义", "library": "fcnn", "status": "结论",
        "agrees": "一致", "differs": "不一致（见注释）",
        "figures_note": "图中文字为英文（matplotlib 自带字体不含中文）。",
        "linear": "线性分类器 f = Wx + b：{classes} 个模板（每类一个），每个模板 {pixels} 个权值，"
                  "对应 {shape} 图像的每个像素（digits 数据集，测试正确率 {acc:.1%}）。",
        "two_layer": "两层网络：第一层 {hidden} 个模板（个数人为指定），W2 按类别融合各模板的"
                     "匹配结果（测试正确率 {acc:.1%}）。",
        "separable": "线性可分（blobs）：线性分类器正确率 {a:.0%}；线性不可分（circles）："
                     "线性分类器 {b:.0%}，两层网络 {c:.0%}。",
        "width": "越宽，非线性分类能力越强：隐藏层 3、6、20 个神经元的两层网络在 moons 上的"
                 "训练正确率 {accs}。",
        "depth": "越深，非线性分类能力越强：每个隐藏层 6 个神经元的 2、3、4 层网络（上）与去掉"
                 "激活函数的同样网络（下，分界面全是直线）：{accs} / {lin}。",
        "collapse": "去掉激活函数，三层网络就是线性分类器：W' = W3 W2 W1、"
                    "b' = W3 W2 b1 + W3 b2 + b3 复现其输出，误差 {err:.1e}。",
        "collapse_note": "讲义写作 W1 W2 W3 x + W2 W3 b1 + W3 b2 + b3；由 "
                         "f = W3(W2(W1 x + b1) + b2) + b3，乘积顺序应相反："
                         "W3 W2 W1 x + W3 W2 b1 + W3 b2 + b3（除非各层都是方阵，"
                         "W1 W2 W3 根本无定义）。",
        "flatten": "CIFAR-10 图像 flatten 后的长度（测验 1）",
        "rows": "10 类任务中 W 的行数（测验 2）",
        "softmax": "softmax 把分数 [1.3, 5.1, 2.2, 0.7, 1.1] 变成加起来为 1 的概率。",
        "act": "Sigmoid 把输出压缩到 (0, 1)，Tanh 压缩到 (-1, 1)；ReLU 保留大于 0 的部分；"
               "Leaky ReLU（k = 0.1）把小于 0 的输出向 0 压缩。虚线：由 backward() 算出的导数。",
        "starfish": "分数 [0.6, -2.3, 1.9] 对应海星、龙虾、鲨鱼；真实类别为海星。讲义使用"
                    "以 10 为底的对数。",
        "ce_note": "由四舍五入后的概率 0.21 得 -log10(0.21) = 0.678；由精确的 q = 0.2117 得 "
                   "0.674 ≈ 0.67（讲义的值）。",
        "engine_ce": "fcnn 的 cross_entropy 使用自然对数：{ce:.4f}（nats）= {ce10:.4f}（log10）。",
        "models": "讲义中的损失对比（真实类别为海星）：",
        "shark_note": "表中模型 A 印作 [10, -2, 3]，但其概率（6.14e-6、2.26e-6）和合页损失"
                      "一页都对应 [10, -2, -3]；若为 +3，鲨鱼的概率应为 {p:.2e}。fcnn 采用 -3。",
        "a_note": "讲义用四舍五入到 0.99 的概率计算 -log10(0.99)；精确的 q = 0.999992 给出 "
                  "{v:.2e}，小 1000 倍。",
        "b_note": "-log10(0.58) = 0.2366 来自四舍五入的 0.58；精确的 q = 0.5761 给出 0.2395。",
        "c_note": "1.69e-48 是 q(龙虾) = q(鲨鱼)，不是损失。损失为 -log10(1 - 2 × 1.69e-48) = "
                  "{v:.2e}（3.38e-48 nats）；在 float64（及 float32）中 1 - 3.4e-48 舍入为 1，"
                  "因此引擎给出的正好是 0。",
        "hinge_all": "模型 A、B、C 的合页损失（都为 0：无法判断 B 的“置信度”不够）",
        "entropy": "熵：实力悬殊的比赛几乎没有悬念，势均力敌的比赛悬念最大（以 10 为底）。",
        "even": "势均力敌的比赛 (1/3, 1/3, 1/3) 的熵",
        "certain": "结果确定 (0, 0, 1) 的熵",
        "lopsided": "实力悬殊的比赛 (0.01, 0.01, 0.98) 的熵",
        "kl": "H(p, q) = H(p) + KL(p || q)；p 为 one-hot 时 H(p) = 0，交叉熵 = KL："
              "{h:.4f} = {hp:.4f} + {kl:.4f}。",
        "xy": "f = (x + y)^2，取 x = 1、y = 2（数值为此处所选；讲义的数值在图片中）。",
        "sin": "f = sin(1/x^2)，取 x = 1.5（数值为此处所选）。",
        "neuron": "sigmoid 神经元 f = sigmoid(w0 x0 + w1 x1 + b)，w0=2、x0=-1、w1=-3、x1=-2、"
                  "b=-3，细颗粒度（讲义中的 * + neg exp +1 1/x）。",
        "table": "逐步反向传播（下游梯度 = 局部梯度 × 上游梯度）：",
        "headers": "节点|梯度传给|局部梯度|上游梯度|下游梯度 = 局部 × 上游",
        "coarse": "同一个神经元用一个 sigmoid 节点表示（粗颗粒度，类似 Caffe）：数值与梯度"
                  "完全相同（相差 {diff:.1e}）；sigmoid 的局部梯度为 y(1 - y) = {local:.4f}。",
        "timing": "本机实测：{arch} MLP 在 {n} 个样本上训练一步，粗颗粒度 {coarse:.2f} ms，"
                  "细颗粒度 {fine:.2f} ms（{ratio:.1f} 倍）：粗颗粒度计算快，细颗粒度定义简单、"
                  "组合灵活。",
        "f": "f = sigmoid(...)",
        "grad": "df/d{name}",
    },
}


class Lecture:
    """Builds the sections one by one, writing figures into ``out``."""

    def __init__(self, out: str | Path, lang: str = "en", epochs: int = 200, seed: int = 0,
                 progress: bool = True) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; valid values: en (English), "
                             f"zh (Chinese).")
        self.out, self.lang, self.epochs, self.seed = Path(out), lang, epochs, seed
        self.progress = progress
        self.t = TEXT[lang]

    def save(self, section: Section, fig: object, name: str) -> None:
        section.figures.append(save_figure(fig, self.out / name)[0])

    # ----- 1. structure ------------------------------------------------------
    def structure(self) -> Section:
        t = self.t
        s = Section("structure", t["structure"])
        runs = {}
        for hidden in ([], [16]):
            config = TrainConfig(dataset="digits", hidden=hidden, epochs=15, seed=self.seed,
                                 validation_split=0.0, lr=0.05)
            runs[len(hidden)] = run_experiment(config, progress=False, log=None)
        linear, two = runs[0], runs[1]
        names = [str(c) for c in range(10)]
        self.save(s, plot_linear_templates(linear.model, (1, 8, 8), names), "templates_linear")
        s.text.append(t["linear"].format(classes=10, pixels=64, shape="8x8",
                                         acc=linear.report.accuracy))
        self.save(s, plot_two_layer_templates(two.model, (1, 8, 8), names),
                  "templates_two_layer")
        s.text.append(t["two_layer"].format(hidden=16, acc=two.report.accuracy))
        fig, panels = plot_separability(epochs=self.epochs, seed=self.seed,
                                        progress=self.progress)
        self.save(s, fig, "separability")
        s.text.append(t["separable"].format(a=panels[0].train_accuracy,
                                            b=panels[1].train_accuracy,
                                            c=panels[2].train_accuracy))
        fig, panels = plot_structure_grid("moons", width_architectures([3, 6, 20]),
                                          epochs=self.epochs, seed=self.seed,
                                          progress=self.progress,
                                          title="wider: 3, 6, 20 hidden neurons")
        self.save(s, fig, "boundary_width")
        s.text.append(t["width"].format(accs=", ".join(f"{p.train_accuracy:.1%}"
                                                       for p in panels)))
        fig, panels = plot_structure_grid("moons", depth_architectures([2, 3, 4], 6),
                                          without_activation=True, epochs=self.epochs,
                                          seed=self.seed, progress=self.progress,
                                          title="deeper: 2, 3, 4 layers of 6 neurons; bottom: "
                                                "the same nets without activation")
        self.save(s, fig, "boundary_depth")
        accs = [f"{p.train_accuracy:.1%}" for p in panels]
        s.text.append(t["depth"].format(accs=", ".join(accs[:3]), lin=", ".join(accs[3:])))
        error = collapse_error(self.seed)
        s.text.append(t["collapse"].format(err=error))
        s.text.append(t["collapse_note"])
        s.checks.append(Check(t["flatten"], "3072", float(32 * 32 * 3)))
        s.checks.append(Check(t["rows"], "10", float(linear.model.layers[0].weight.shape[0])))
        return s

    # ----- 2. activations ----------------------------------------------------
    def activations(self) -> Section:
        t = self.t
        s = Section("activations", t["activations"])
        self.save(s, plot_activations(negative_slope=0.1), "activations")
        s.text.append(t["act"])
        scores = [1.3, 5.1, 2.2, 0.7, 1.1]
        self.save(s, plot_softmax(scores, [f"class {i + 1}" for i in range(5)],
                                  title="scores -> softmax -> probabilities"), "softmax")
        s.text.append(t["softmax"])
        q = softmax_probabilities(scores)
        for i, printed in enumerate(["0.02", "0.90", "0.05", "0.01", "0.02"]):
            s.checks.append(Check(f"softmax({scores[i]})", printed, float(q[i])))
        return s

    # ----- 3. losses and entropy ----------------------------------------------
    def losses(self) -> Section:
        t = self.t
        s = Section("losses", t["losses"])
        scores = [0.6, -2.3, 1.9]
        classes = list(LECTURE_CLASSES)
        self.save(s, plot_softmax(scores, classes, true_class=0,
                                  title="scores [0.6, -2.3, 1.9]; true class: starfish"),
                  "starfish")
        s.text.append(t["starfish"])
        q = softmax_probabilities(scores)
        for name, printed, value in zip(classes, ["0.21", "0.01", "0.78"], q):
            s.checks.append(Check(f"q({name})", printed, float(value)))
        batch = Tensor(np.asarray([scores], dtype=np.float64))
        ce = float(cross_entropy(batch, [0]).data)
        s.checks.append(Check("CE = -log10 q(starfish)", "0.67", ce / math.log(10),
                              t["ce_note"]))
        s.checks.append(Check("hinge loss", "2.3", float(hinge_loss(batch, [0]).data)))
        s.text.append(t["engine_ce"].format(ce=ce, ce10=ce / math.log(10)))

        rows = compare_losses(LECTURE_MODELS, true_class=0, base=10)
        self.save(s, plot_loss_comparison(rows, classes), "loss_comparison")
        s.text.append(t["models"])
        s.text.append(format_loss_table(rows, classes))
        a, b, c = rows
        shark_plus = softmax_probabilities([10.0, -2.0, 3.0])[2]
        s.checks += [
            Check("A: q(starfish)", "0.99", float(a.probabilities[0]),
                  "q = 0.999992 (printed as 0.99, truncated)"),
            Check("A: q(lobster)", "6.14e-6", float(a.probabilities[1])),
            Check("A: q(shark)", "2.26e-6", float(a.probabilities[2]),
                  t["shark_note"].format(p=shark_plus)),
            Check("B: q(starfish)", "0.58", float(b.probabilities[0])),
            Check("B: q(lobster)", "0.21", float(b.probabilities[1])),
            Check("C: q(starfish)", "1", float(c.probabilities[0])),
            Check("A: CE (log10)", "0.0043", a.cross_entropy, t["a_note"].format(
                v=a.cross_entropy)),
            Check("B: CE (log10)", "0.237", b.cross_entropy, t["b_note"]),
            Check("C: CE (log10)", "1.69e-48", c.cross_entropy,
                  t["c_note"].format(v=c.cross_entropy_exact),
                  shown=f"{c.cross_entropy:g} (exact {c.cross_entropy_exact:.2e})"),
        ]
        for row in rows:
            s.checks.append(Check(f"{row.name}: hinge", "0", row.hinge, t["hinge_all"]))

        self.save(s, plot_entropy_examples(base=10), "entropy")
        s.text.append(t["entropy"])
        s.checks.append(Check(t["certain"], "0", float(info.entropy([0, 0, 1], base=10)) + 0.0))
        s.checks.append(Check(t["lopsided"], "0", float(info.entropy(LECTURE_MATCHES[0][1],
                                                                     base=10)),
                              "≈ 0: " + format_number(info.entropy(LECTURE_MATCHES[0][1],
                                                                   base=10), 3)))
        s.checks.append(Check(t["even"], "0.477", float(info.entropy([1 / 3] * 3, base=10))))
        p, qq = [1.0, 0.0, 0.0], q
        s.text.append(t["kl"].format(h=info.cross_entropy(p, qq, base=10),
                                     hp=info.entropy(p, base=10) + 0.0,  # -0.0 prints as 0
                                     kl=info.kl_divergence(p, qq, base=10)))
        return s

    # ----- 4. forward / backward ---------------------------------------------
    def backprop(self) -> Section:
        t = self.t
        s = Section("backprop", t["backprop"])
        f = parse_expression("(x + y)**2", {"x": 1.0, "y": 2.0})
        self.save(s, draw_graph(f, title="f = (x + y)^2"), "graph_square")
        s.text.append(t["xy"])
        f = parse_expression("sin(1/x**2)", {"x": 1.5})
        self.save(s, draw_graph(f, title="f = sin(1/x^2)"), "graph_sin")
        s.text.append(t["sin"])
        f = parse_expression(NEURON, NEURON_VALUES, granularity="fine")
        self.save(s, draw_graph(f, title="f = sigmoid(w0*x0 + w1*x1 + b), fine granularity"),
                  "graph_neuron_fine")
        s.text.append(t["neuron"])
        s.text.append(t["table"])
        s.text.append(format_backward_table(backward_steps(f),
                                            headers=tuple(t["headers"].split("|"))))
        s.checks.append(Check(t["f"], "0.73", float(f.data)))
        leaves = {n.label: n for n in f.topological_order() if n.label}
        for name, printed in [("w0", "-0.20"), ("x0", "0.39"), ("w1", "-0.39"),
                              ("x1", "-0.59"), ("b", "0.20")]:
            s.checks.append(Check(t["grad"].format(name=name), printed,
                                  float(leaves[name].grad)))
        return s

    # ----- 5. granularity ----------------------------------------------------
    def granularity(self) -> Section:
        t = self.t
        s = Section("granularity", t["granularity"])
        fine = parse_expression(NEURON, NEURON_VALUES, granularity="fine")
        coarse = parse_expression(NEURON, NEURON_VALUES, granularity="coarse")
        self.save(s, draw_graph(coarse, title="f = sigmoid(w0*x0 + w1*x1 + b), coarse "
                                              "granularity"), "graph_neuron_coarse")
        fine.backward()  # (draw_graph ran coarse.backward() already)
        grads = {n.label: n.grad for n in fine.topological_order() if n.label}
        diff = max(abs(float(fine.data) - float(coarse.data)),
                   *(abs(float(n.grad) - float(grads[n.label]))
                     for n in coarse.topological_order() if n.label))
        y = float(coarse.data)
        s.text.append(t["coarse"].format(diff=diff, local=y * (1 - y)))
        s.checks.append(Check("sigmoid local gradient y(1-y)", "0.20", y * (1 - y)))
        timing = granularity_timing(seed=self.seed)
        s.text.append(t["timing"].format(**timing))
        return s


def collapse_error(seed: int = 0) -> float:
    """Max |f(x) - (W'x + b')| for a 3-layer net without activations (W' = W3 W2 W1).

    Example:
        >>> collapse_error() < 1e-5
        True
    """
    net = MLP(4, [5, 6], 3, activation="identity", seed=seed)
    (w1, b1), (w2, b2), (w3, b3) = [(layer.weight.data.astype(np.float64),
                                     layer.bias.data.astype(np.float64))
                                    for layer in net.layers if hasattr(layer, "weight")]
    w_prime = w3 @ w2 @ w1
    b_prime = w3 @ w2 @ b1 + w3 @ b2 + b3
    x = np.random.default_rng(seed).normal(size=(8, 4)).astype(np.float32)
    f = net(Tensor(x)).data.astype(np.float64)
    return float(np.abs(f - (x @ w_prime.T + b_prime)).max())


def granularity_timing(hidden: tuple[int, ...] = (64, 64), n: int = 256, repeats: int = 31,
                       seed: int = 0) -> dict[str, float | str | int]:
    """Median milliseconds of one forward + backward step at each granularity (not asserted).

    The two granularities are timed alternately (after one warm-up step each), and the
    ratio is the median of the paired ratios, so a busy machine disturbs both alike.
    """
    rng = np.random.default_rng(seed)
    X = Tensor(rng.normal(size=(n, 64)).astype(np.float32))
    y = rng.integers(0, 10, n)
    nets = {g: MLP(64, list(hidden), 10, activation="sigmoid", seed=seed, granularity=g)
            for g in ("coarse", "fine")}

    def step(granularity: str) -> float:
        started = time.perf_counter()
        cross_entropy(nets[granularity](X), y, granularity=granularity).backward()
        return time.perf_counter() - started

    step("coarse")
    step("fine")
    times: dict[str, list[float]] = {"coarse": [], "fine": []}
    for _ in range(repeats):
        for granularity in times:
            times[granularity].append(step(granularity))
    ratios = np.array(times["fine"]) / np.array(times["coarse"])
    return {"arch": "-".join(map(str, (64, *hidden, 10))), "n": n,
            "coarse": 1000 * float(np.median(times["coarse"])),
            "fine": 1000 * float(np.median(times["fine"])), "ratio": float(np.median(ratios))}


SECTIONS = ("structure", "activations", "losses", "backprop", "granularity")


def run_lecture(out: str | Path = "lecture", lang: str = "en", sections: tuple[str, ...] =
                SECTIONS, epochs: int = 200, seed: int = 0, progress: bool = True,
                on_section: Callable[[Section], None] | None = None) -> list[Section]:
    """Recompute the lecture's examples, write its figures and an index page into ``out``.

    Args:
        out: the folder (created if needed).
        lang: "en" or "zh" for the text (figures keep English labels).
        sections: which sections, in order (default: all of :data:`SECTIONS`).
        epochs: training epochs of each decision-boundary panel.
        seed: seeds every training and data set.
        progress: progress bars while training boundary panels.
        on_section: called with each section as soon as it is done (e.g. to print it).

    Returns:
        The sections, each with text, figure paths (PNG; an SVG lies beside each) and checks.
    """
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown lecture section(s) {unknown}; valid: {', '.join(SECTIONS)}.")
    lecture = Lecture(out, lang, epochs=epochs, seed=seed, progress=progress)
    lecture.out.mkdir(parents=True, exist_ok=True)
    done = []
    for name in sections:
        section = getattr(lecture, name)()
        done.append(section)
        if on_section is not None:
            on_section(section)
    write_index(lecture.out, done, lang)
    return done


def format_checks(checks: list[Check], lang: str = "en") -> str:
    """The checks as a text table: quantity, lecture, fcnn, status; notes below."""
    t = TEXT[lang]
    rows = [(c.quantity, c.lecture, c.library_text(), t["agrees"] if c.ok else t["differs"])
            for c in checks]
    header = (t["quantity"], t["lecture"], t["library"], t["status"])
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(pad(v, w) for v, w in zip(row, widths)) for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = list(dict.fromkeys(c.note for c in checks if c.note and not c.ok))
    lines += [f"  * {note}" for note in notes]
    return "\n".join(lines)


def format_section(section: Section, lang: str = "en") -> str:
    """A section as printed text: title, paragraphs, checks, figure files."""
    lines = [section.title, "=" * display_width(section.title), *section.text]
    if section.checks:
        lines += ["", format_checks(section.checks, lang)]
    lines += ["", *(f"figure: {path}" for path in section.figures)]
    return "\n".join(lines) + "\n"


def write_index(out: Path, sections: list[Section], lang: str = "en") -> list[Path]:
    """Write ``index.md`` and ``index.html`` listing every section's text, checks and figures."""
    title = "fcnn: the lecture, runnable" if lang == "en" else "fcnn：可运行的讲义"
    note = TEXT[lang]["figures_note"]
    md = [f"# {title}", "", note, ""]
    body = [f"<h1>{html.escape(title)}</h1>", f"<p><em>{html.escape(note)}</em></p>"]
    for s in sections:
        md += [f"## {s.title}", ""]
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        for paragraph in s.text:
            if "\n" in paragraph:
                md += ["```", paragraph, "```", ""]
                body.append(f"<pre>{html.escape(paragraph)}</pre>")
            else:
                md += [paragraph, ""]
                body.append(f"<p>{html.escape(paragraph)}</p>")
        if s.checks:
            table = format_checks(s.checks, lang)
            md += ["```", table, "```", ""]
            body.append(f"<pre>{html.escape(table)}</pre>")
        for path in s.figures:
            rel = path.relative_to(out).as_posix()
            md += [f"![{path.stem}]({rel})", ""]
            body.append(f'<p><img src="{html.escape(rel)}" alt="{html.escape(path.stem)}" '
                        f'style="max-width:100%"></p>')
    page = ("<!DOCTYPE html>\n<html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;"
            "max-width:1100px;margin:2em auto;padding:0 1em}pre{background:#f6f8fa;"
            "padding:.8em;overflow-x:auto}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
    (out / "index.md").write_text("\n".join(md), encoding="utf-8")
    (out / "index.html").write_text(page, encoding="utf-8")
    return [out / "index.md", out / "index.html"]
