from training.progress import ProgressBoard


def test_the_board_shows_label_step_time_left_wasserstein_and_rate(capsys):
    board = ProgressBoard(2, budget_s=60, enabled=True)
    board.update(1, {"label": 7, "step": 12, "seconds": 15.2, "wasserstein": 0.4321, "images_per_s": 980.4})
    board.update(0, {"label": None, "step": 3, "seconds": 1.0})
    board.close()
    err = capsys.readouterr().err
    assert "worker 1 label    7" in err and "step=12" in err and "left=45s" in err
    assert "W=0.432" in err and "img/s=980" in err and "worker 0 conditional" in err
