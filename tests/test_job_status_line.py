"""The Jobs panel's plain status sentence: a countdown only while a job runs (issue 23)."""

from gan_studio.core.jobs.status_line import duration, fraction, plain_status


def test_a_running_job_says_how_far_and_how_long_a_stopped_one_says_what_to_do():
    last = {"kimg": 1.92, "eta_s": 725.0, "step": 120}
    frac = fraction("running", last, None, 30.0, 1075.0)
    assert round(frac, 2) == 0.6
    running = plain_status("running", last, frac, 1075.0)
    assert running == "Training — 60% done, about 12 min left (1,920 images seen)"
    cancelled = plain_status("cancelled", last, fraction("cancelled", last, None, 30.0, 1075.0), 1075.0)
    assert "left" not in cancelled and "ETA" not in cancelled and cancelled.startswith("Cancelled at 60% after 18 min")
    assert "Add model to library" in cancelled
    assert plain_status("failed", last, 0.6, 10.0, "out of memory").startswith("Failed: out of memory")
    assert plain_status("paused", last, 0.6, 10.0).startswith("Paused at 60%")
    assert fraction("finished", {}, None, 30.0, 5.0) == 1.0 and fraction("running", {"kimg": 3}, 2.0, None, 0) == 1.0
    assert (duration(None), duration(20), duration(3900)) == ("—", "under a minute", "1 h 05 min")
