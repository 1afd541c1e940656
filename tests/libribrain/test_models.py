"""The baseline models: which one each task gets, output shapes, and what the speech model reads."""

import pytest
import torch

from openended.libribrain.constants import SENSORS_SPEECH_MASK
from openended.libribrain.models import PhonemeReference, SEANet, SpeechReference, build


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny forward passes: one thread is fastest, and stays fast on a busy machine (two threads wait on each
    other there for about a second per call)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@torch.no_grad()
def test_build_picks_the_model_of_the_task_with_its_output_shape():
    torch.manual_seed(0)
    speech = build("speech", "reference", 200)
    assert isinstance(speech, SpeechReference) and speech.eval()(torch.zeros(2, 306, 200)).shape == (2,)
    phoneme = build("phoneme", "reference", 125)
    assert isinstance(phoneme, PhonemeReference) and phoneme(torch.zeros(3, 306, 125)).shape == (3, 39)
    seanet = build("speech", "seanet", 200)
    assert isinstance(seanet, SEANet) and seanet.eval()(torch.zeros(2, 306, 200)).shape == (2,)
    assert build("phoneme", "seanet", 125).eval()(torch.zeros(2, 306, 125)).shape == (2, 39)


def test_build_rejects_short_seanet_windows_and_unknown_models():
    with pytest.raises(ValueError, match="at least 125 samples"):
        build("speech", "seanet", 124)
    with pytest.raises(ValueError, match="unknown model 'eegnet'"):
        build("speech", "eegnet", 200)


@torch.no_grad()
def test_the_speech_reference_reads_only_the_temporal_sensors():
    torch.manual_seed(0)
    model = SpeechReference().eval()
    x = torch.randn(1, 306, 40)
    others = [c for c in range(306) if c not in SENSORS_SPEECH_MASK]
    y = x.clone()
    y[:, others] = torch.randn(1, len(others), 40)
    torch.testing.assert_close(model(x), model(y))
    z = x.clone()
    z[:, list(SENSORS_SPEECH_MASK)] += 1.0
    assert not torch.equal(model(x), model(z))
