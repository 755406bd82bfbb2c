"""The Pop Quiz: the lecture's five questions, tolerant answers, fcnn's explanations."""

from __future__ import annotations

import io

import pytest

from fcnn.viz.i18n import language
from fcnn.viz.quiz import parse_answer, questions, quiz_table, run_quiz

SEED = "/work/shared/seed/000_8f7014571d3f6fda.txt"


def test_the_questions_are_the_lectures():
    with language("zh"):
        asked = questions()
    assert [q.answer_text for q in asked] == ["C. 3072", "B. 任务类别数", "C. 0",
                                              "A. 精准度 Precision", "D. 偏置"]
    assert asked[0].text == "CIFAR-10中的图像经过flatten操作后，形成的向量长度为？"
    assert asked[4].options == ["损失函数的正则化占比", "神经网络的层数", "学习率", "偏置"]


@pytest.mark.parametrize("answer, expected", [
    ("c", 2), ("C", 2), ("  C. ", 2), ("c)", 2), ("Ｃ", 2), ("C. 3072", 2), ("3072", 2),
    ("3072.0", 2), ("3.072e3", 2), ("1024", 1), ("a", 0), ("e", None), ("3000", None),
    ("", None), ("hello", None),
])
def test_answers_are_read_tolerantly(answer, expected):
    assert parse_answer(answer, questions()[0]) == expected


@pytest.mark.parametrize("number, answer, expected", [
    (3, "-∞", 0), (3, "-inf", 0), (3, "−1", 1), (3, "0.0", 2), (3, "+1", 3),
    (4, "precision", 0), (4, "Precision", 0), (4, "精准度", 0), (4, "recall", 1),
    (4, "F1分数", 3), (5, "the bias", 3), (5, "偏置", 3), (5, "learning rate", 2),
    (5, "the", None),  # names every option: not an answer
])
def test_words_and_numbers_in_either_language(number, answer, expected):
    assert parse_answer(answer, questions()[number - 1]) == expected


def test_a_whole_quiz_with_injected_streams():
    answers = io.StringIO("3072\nwhat?\nb\n\nrecall\nD\n")
    out = io.StringIO()
    result = run_quiz("en", answers, out)
    assert result.chosen == [2, 1, None, 1, 3]
    assert result.correct == [True, True, False, False, True] and result.score == 3
    text = out.getvalue()
    assert "Could not read 'what?'" in text
    assert "Skipped; the answer is C. 0." in text
    assert "Not quite: you chose B. Recall; the answer is A. Precision." in text
    assert "precision 0.75" in text and "recall" in text  # fcnn.metrics computed it
    assert "0.weight, 0.bias" in text                     # an MLP's parameters
    assert "Your score: 3 of 5." in text


def test_unreadable_answers_are_asked_again_then_skipped():
    out = io.StringIO()
    result = run_quiz("en", io.StringIO("x\ny\nz\n" + "\n" * 4), out, max_tries=3)
    assert result.chosen[0] is None and out.getvalue().count("Could not read") == 3


def test_the_quiz_table_in_chinese():
    with language("zh"):
        table = quiz_table()
    assert table.headers[0] == "题号" and len(table.rows) == 5
    assert "(10, 3072)" in table.rows[1][3]
