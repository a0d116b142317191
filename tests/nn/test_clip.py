"""ClipZeroShot on a tiny open_clip configuration with random weights: no download, shapes, determinism."""

import json

import numpy as np
import pytest
import torch

open_clip = pytest.importorskip("open_clip")

from skal.nn import CLIP_TEMPLATES, ClipZeroShot  # noqa: E402
from skal.strategies import PseudoLabelInitializer  # noqa: E402

TINY = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
CLASSES = ["airplane", "cat", "dog"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A registered tiny configuration and a checkpoint of it with seeded random weights."""
    folder = tmp_path_factory.mktemp("clip")
    (folder / "skal-test-tiny.json").write_text(json.dumps(TINY))
    open_clip.add_model_config(folder / "skal-test-tiny.json")
    torch.manual_seed(0)
    model = open_clip.create_model("skal-test-tiny", pretrained=None)
    with torch.no_grad():
        model.logit_scale.fill_(np.log(50.0))
    path = folder / "tiny.pt"
    torch.save(model.state_dict(), path)
    return path, model


def _images(n=7):
    return np.random.default_rng(0).integers(0, 256, size=(n, 24, 24, 3), dtype=np.uint8)


def test_probabilities_have_the_right_shape_sum_to_one_and_are_deterministic(tiny):
    path, _ = tiny
    scorer = ClipZeroShot("skal-test-tiny", weights=path, classes=CLASSES, batch_size=3).fit()
    p = scorer.predict_proba(_images())
    assert p.shape == (7, 3) and p.dtype == np.float64
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-12)
    again = ClipZeroShot("skal-test-tiny", weights=path, classes=CLASSES, batch_size=7)
    np.testing.assert_allclose(again(_images()), p, atol=1e-6)  # calling fits; batching changes nothing
    assert scorer.predict(_images()).tolist() == [CLASSES[k] for k in p.argmax(1)]
    assert scorer.logit_scale_ == pytest.approx(50.0, rel=1e-5)


def test_the_probabilities_are_the_softmax_of_scaled_cosines_with_averaged_prompts(tiny):
    """Recomputed here step by step from the model: prompts → normalised text means; image → cosine × scale."""
    path, model = tiny
    templates = ["a photo of a {}.", "a drawing of a {}."]
    scorer = ClipZeroShot("skal-test-tiny", weights=path, classes=CLASSES, templates=templates).fit()
    tokenizer = open_clip.get_tokenizer("skal-test-tiny")
    model.eval()
    with torch.no_grad():
        text = []
        for c in CLASSES:
            e = torch.nn.functional.normalize(model.encode_text(tokenizer([t.format(c) for t in templates])), dim=-1)
            text.append(torch.nn.functional.normalize(e.mean(0), dim=0))
        text = torch.stack(text).double()
        x = torch.as_tensor(_images()).permute(0, 3, 1, 2).float() / 255
        x = torch.nn.functional.interpolate(x, size=(32, 32), mode="bicubic", antialias=True).clamp(0, 1)
        mean = torch.tensor(open_clip.OPENAI_DATASET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(open_clip.OPENAI_DATASET_STD).view(1, 3, 1, 1)
        image = torch.nn.functional.normalize(model.encode_image((x - mean) / std), dim=-1).double()
        expected = torch.softmax(50.0 * image @ text.T, dim=1).numpy()
    np.testing.assert_allclose(scorer.predict_proba(_images()), expected, atol=1e-5)


def test_float_channel_first_images_and_the_default_templates(tiny):
    path, _ = tiny
    scorer = ClipZeroShot("skal-test-tiny", weights=path, classes=CLASSES).fit()
    chw = _images().transpose(0, 3, 1, 2).astype(np.float32) / 255
    np.testing.assert_allclose(scorer.predict_proba(chw), scorer.predict_proba(_images()), atol=1e-5)
    assert len(CLIP_TEMPLATES) == 7 and all(t.count("{}") == 1 for t in CLIP_TEMPLATES)


def test_as_the_scorer_of_a_zero_shot_first_pool(tiny):
    path, _ = tiny
    scorer = ClipZeroShot("skal-test-tiny", weights=path, classes=CLASSES)
    X = _images(30)
    s = PseudoLabelInitializer(scorer, per_class=2, classes=CLASSES).fit(X)
    picks = s.query(4)
    assert len(set(picks.tolist())) == 4
    assert set(s.pseudo_labels_) == set(picks.tolist())


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"weights": None}, ValueError, "downloads nothing: pass weights= a local open_clip checkpoint"),
        ({"weights": "/nonexistent.pt"}, FileNotFoundError, "not found"),
        ({"classes": ["cat"]}, ValueError, "two or more class names"),
        ({"templates": ["no placeholder"]}, ValueError, "one '{}'"),
    ],
)
def test_bad_input_names_the_fix(tiny, kwargs, error, match):
    path, _ = tiny
    with pytest.raises(error, match=match):
        ClipZeroShot(**{"model": "skal-test-tiny", "weights": path, "classes": CLASSES, **kwargs}).fit()


def test_classes_as_an_array_and_gray_images(tiny):
    path, _ = tiny
    scorer = ClipZeroShot("skal-test-tiny", weights=path, classes=np.array(CLASSES)).fit()
    gray = _images()[..., :1]
    expected = scorer.predict_proba(np.repeat(gray, 3, axis=-1))
    np.testing.assert_allclose(scorer.predict_proba(gray), expected, atol=1e-6)
    with pytest.raises(ValueError, match="drop alpha"):
        scorer.predict_proba(np.concatenate([_images(), _images()[..., :1]], axis=-1))
