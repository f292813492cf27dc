"""vaebook.explorer: the decoder exported into the page, checked in Debian's Chromium.

The browser tests open explorers of freshly initialised vaebook.torch.VAEs (book-sized,
784-400-d) from file:// and from http://127.0.0.1, drive the sliders and the latent
plane with real input events and read the canvas back. ``check_explorers(page)``
(tests/explorer_checks.py) is the reader's check that tests/test_browser.py runs on
every page of the built book; here it is proven on pages that must fail it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from playwright.sync_api import Browser, Page

from tests.explorer_checks import ALL_READY, READ_DIGIT, check_explorers
from tests.local_browser import chromium, serve

from vaebook.explorer import LatentExplorer, latent_explorer
from vaebook.torch import ConvVAE, VAE, decoder_layers, numpy_decoder

MAX_BYTES = 500_000  # each explorer's HTML (issue 12: <= 500 KB per explorer)
MIN_DECODES_PER_SECOND = 60
TOLERANCE = 2  # grey levels of 255, per pixel

# Set z through the sliders, one input event per slider, as a dragging reader would;
# returns the values the sliders took (they round to their step of 0.01).
SET_CODE = """
([id, z]) => z.map((value, j) => {
  const slider = document.getElementById(id + "-z" + j);
  slider.value = String(value);
  slider.dispatchEvent(new Event("input", {bubbles: true}));
  return parseFloat(slider.value);
})
"""

# 200 synthetic input events on the sliders, each followed by a one-pixel read of the
# canvas so the draw has really happened; returns the milliseconds they took.
TIME_EVENTS = """
(id) => {
  const sliders = [...document.querySelectorAll("#" + id + " input[type=range]")];
  const ctx = document.querySelector("#" + id + " canvas.vx-digit").getContext("2d");
  const start = performance.now();
  for (let k = 0; k < 200; k++) {
    const slider = sliders[k % sliders.length];
    slider.value = String(((k * 37) % 600) / 100 - 3);
    slider.dispatchEvent(new Event("input", {bubbles: true}));
    ctx.getImageData(0, 0, 1, 1);
  }
  return performance.now() - start;
}
"""


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models() -> dict[int, VAE]:
    """Book-sized VAEs (784-400-d), freshly initialised: parity needs no training."""
    torch.manual_seed(0)
    return {d: VAE(latent_dim=d, hidden_dim=400).eval() for d in (2, 20)}


@pytest.fixture(scope="module")
def stand_in_codes() -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Stand-ins for the test set's mu and digits: 10,000 codes and labels per d."""
    rng = np.random.default_rng(0)
    return {
        d: (rng.standard_normal((10_000, d)).astype(np.float32), rng.integers(0, 10, 10_000))
        for d in (2, 20)
    }


@pytest.fixture(scope="module")
def explorers(models, stand_in_codes) -> dict[int, LatentExplorer]:
    made = {}
    for d, model in models.items():
        codes, labels = stand_in_codes[d]
        made[d] = latent_explorer(
            decoder_layers(model), latent_dim=d, start_codes=codes[:10], codes=codes,
            labels=labels,
        )
    return made


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def site(tmp_path_factory, explorers) -> Iterator[tuple[Path, str]]:
    """A folder with one page holding both explorers, served on a free port of 127.0.0.1."""
    folder = tmp_path_factory.mktemp("site")
    write_page(folder / "both.html", explorers[2], explorers[20])
    with serve(folder) as url:
        yield folder, url


def write_page(path: Path, *fragments: LatentExplorer | str) -> Path:
    body = "\n".join(f if isinstance(f, str) else f._repr_html_() for f in fragments)
    path.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"<title>explorers</title></head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def open_page(browser: Browser, url: str, **context) -> tuple[Page, list[str]]:
    """A new page at ``url``; the list collects console errors and requests that fail
    or leave the machine."""
    problems: list[str] = []
    page = browser.new_context(viewport={"width": 1280, "height": 900}, **context).new_page()

    def route(route, request) -> None:
        if not request.url.startswith(("file://", "http://127.0.0.1", "data:")):
            problems.append(f"request leaves the machine: {request.url}")
            route.abort()
        else:
            route.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.goto(url, wait_until="load")
    page.wait_for_function(ALL_READY, timeout=10_000)
    return page, problems


def max_pixel_difference(
    page: Page, explorer_id: str, codes: np.ndarray, decode: Callable[[np.ndarray], np.ndarray]
) -> int:
    """Largest |canvas - round(255 decode(z))| in grey levels over ``codes``, each set
    through the sliders' input events."""
    worst = 0
    for z in codes:
        taken = np.asarray(page.evaluate(SET_CODE, [explorer_id, z.tolist()]), dtype=np.float32)
        canvas = np.asarray(page.evaluate(READ_DIGIT, explorer_id))
        expected = np.round(255 * decode(taken[None]).reshape(-1))
        worst = max(worst, int(np.abs(canvas - expected).max()))
    return worst


def parity_codes(d: int, n: int = 24) -> np.ndarray:
    codes = np.random.default_rng(d).normal(scale=1.3, size=(n, d))
    codes[0], codes[1], codes[2] = 0.0, 3.0, -3.0  # the origin and the corners
    return np.clip(codes, -3.0, 3.0).astype(np.float32)


# ---------------------------------------------------------------------------------------
# In Python
# ---------------------------------------------------------------------------------------


def test_decoder_layers_hand_over_the_torch_decoder(models) -> None:
    model = models[20]
    layers = decoder_layers(model)
    assert [(w.shape, b.shape, a) for w, b, a in layers] == [
        ((20, 400), (400,), "relu"), ((400, 784), (784,), "linear")
    ]
    z = np.random.default_rng(0).standard_normal((5, 20)).astype(np.float32)
    h = np.maximum(z @ layers[0][0] + layers[0][1], 0) @ layers[1][0] + layers[1][1]
    with torch.no_grad():
        np.testing.assert_allclose(h, model.decode(torch.from_numpy(z)).numpy(), atol=1e-5)
    assert decoder_layers(model.decoder)[0][0].shape == (20, 400)  # the Sequential itself


def test_decoder_layers_refuse_a_convolutional_decoder() -> None:
    with pytest.raises(ValueError, match="decoder must be an MLP.*Unflatten"):
        decoder_layers(ConvVAE())
    with pytest.raises(TypeError, match="model must be a VAE"):
        decoder_layers(torch.nn.Linear(2, 3))


def test_decoder_layers_hand_over_the_keras_decoder() -> None:
    import keras

    from vaebook.keras import build_conv_vae, build_mlp_vae
    from vaebook.keras import decoder_layers as keras_decoder_layers

    vae = build_mlp_vae(latent_dim=2, seed=0)
    layers = keras_decoder_layers(vae)
    assert [(w.shape, a) for w, _, a in layers] == [((2, 400), "relu"), ((400, 784), "linear")]
    z = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    explorer = latent_explorer(layers, latent_dim=2)
    expected = 1 / (1 + np.exp(-keras.ops.convert_to_numpy(vae.decoder(z))))
    assert np.abs(explorer.decode(z).reshape(4, -1) - expected).max() < 1 / 255
    with pytest.raises(ValueError, match="decoder must be an MLP"):
        keras_decoder_layers(build_conv_vae(latent_dim=2, seed=0))


def test_the_embedded_decoder_matches_torch(models, explorers) -> None:
    for d, model in models.items():
        z = parity_codes(d)
        difference = np.abs(explorers[d].decode(z) - numpy_decoder(model)(z)).max()
        assert difference < 1 / 255, f"d = {d}: 8-bit weights are off by {difference * 255:.2f}/255"


def test_each_explorer_weighs_at_most_500_kb(explorers) -> None:
    sizes = {d: explorer.nbytes for d, explorer in explorers.items()}
    print(f"\nexplorer HTML: d = 2 {sizes[2]:,} bytes, d = 20 {sizes[20]:,} bytes")
    assert all(size <= MAX_BYTES for size in sizes.values()), sizes
    html = re.sub(r"[A-Za-z0-9+/=]{64,}", "", explorers[2].html)  # without the data
    assert "<script src" not in html and "require(" not in html and "http" not in html
    assert explorers[20].element_id != latent_explorer(
        explorers[20].layers, latent_dim=20).element_id  # one id per explorer


def collapsed_codes() -> np.ndarray:
    """Codes of an encoder that uses 5 of 20 dimensions, z4 the most."""
    codes = np.random.default_rng(0).standard_normal((100, 20)).astype(np.float32)
    codes[:, 5:] *= 0.01  # 15 dimensions the encoder does not use
    codes[:, 3] *= 3  # the most active one
    return codes


def test_inactive_dimensions_go_behind_a_toggle(models) -> None:
    html = latent_explorer(decoder_layers(models[20]), latent_dim=20, codes=collapsed_codes()).html
    shown, hidden = html.split("<details", 1)
    dims = re.findall(r'data-dim="(\d+)"', shown)
    assert dims[0] == "3" and sorted(dims) == ["0", "1", "2", "3", "4"]
    assert len(re.findall(r'data-dim="(\d+)"', hidden)) == 15 and "15 more dimensions" in hidden


def _bad_layers(models) -> dict[str, tuple[object, dict, type, str]]:
    good = decoder_layers(models[2])
    (w1, b1, a1), (w2, b2, a2) = good
    nan = w2.copy()
    nan[3, 4] = np.nan
    return {
        "a model, not layers": (models[2], {}, TypeError, "layers must be a non-empty list"),
        "not (W, b, act)": ([(w1, b1)], {}, TypeError, r"layers\[0\] must be a tuple"),
        "W rows != latent_dim": (good, {"latent_dim": 3}, ValueError, r"layers\[0\]: W has 2"),
        "W shapes do not chain": ([(w1, b1, a1), (w2[:300], b2, a2)], {}, ValueError,
                                  r"layers\[1\]: W has 300 input rows, expected 400"),
        "b does not match W": ([(w1, b1[:5], a1), (w2, b2, a2)], {}, ValueError,
                               r"layers\[0\]: b must have shape \(400,\)"),
        "non-finite weight": ([(w1, b1, a1), (nan, b2, a2)], {}, ValueError,
                              r"layers\[1\]: W and b must be finite"),
        "unknown activation": ([(w1, b1, "gelu"), (w2, b2, a2)], {}, ValueError,
                               r"layers\[0\]: activation must be one of"),
        "not 784 outputs": ([(w1, b1, a1)], {}, ValueError, "must output 784 logits"),
        "ends in sigmoid": ([(w1, b1, a1), (w2, b2, "sigmoid")], {}, ValueError,
                            "must output logits"),
        "latent_dim = 0": (good, {"latent_dim": 0}, ValueError, "latent_dim must be a positive"),
        "start_codes shape": (good, {"start_codes": np.zeros((3, 5))}, ValueError,
                              r"start_codes must have shape \(n, 2\)"),
        "codes not finite": (good, {"codes": np.full((3, 2), np.inf)}, ValueError,
                             "codes must be finite"),
        "labels not digits": (good, {"codes": np.zeros((3, 2)), "labels": np.array([0, 1, 12])},
                              ValueError, "labels must be digits"),
        "limit": (good, {"limit": -1.0}, ValueError, "limit must be a positive number"),
        "max_bytes": (good, {"max_bytes": 100_000}, ValueError, "max_bytes: this decoder needs"),
    }


BAD_CASES = [
    "a model, not layers", "not (W, b, act)", "W rows != latent_dim", "W shapes do not chain",
    "b does not match W", "non-finite weight", "unknown activation", "not 784 outputs",
    "ends in sigmoid", "latent_dim = 0", "start_codes shape", "codes not finite",
    "labels not digits", "limit", "max_bytes",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_argument_gets_a_one_line_error_naming_it(models, case) -> None:
    layers, kwargs, error, message = _bad_layers(models)[case]
    kwargs = {"latent_dim": 2, **kwargs}
    with pytest.raises(error, match=message) as raised:
        latent_explorer(layers, **kwargs)
    assert "\n" not in str(raised.value)


# ---------------------------------------------------------------------------------------
# In the browser
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [2, 20])
def test_the_page_draws_the_digits_python_decodes(browser, site, models, explorers, d) -> None:
    folder, _ = site
    page, problems = open_page(browser, (folder / "both.html").as_uri())
    try:
        difference = max_pixel_difference(
            page, explorers[d].element_id, parity_codes(d), numpy_decoder(models[d])
        )
    finally:
        page.close()
    print(f"\nd = {d}: largest pixel difference, canvas vs torch, {difference}/255")
    assert difference <= TOLERANCE and not problems, (difference, problems)


def test_the_parity_check_fails_when_the_export_or_the_javascript_drifts(
    browser, tmp_path, models
) -> None:
    layers = decoder_layers(models[2])
    (w1, b1, a1), (w2, b2, a2) = layers
    drifted_w2 = w2.copy()
    drifted_w2[:, 300] += 0.05  # one output unit's weights, each nudged by 0.05
    drifted_export = latent_explorer([(w1, b1, a1), (drifted_w2, b2, a2)], latent_dim=2)
    good = latent_explorer(layers, latent_dim=2)
    # The JavaScript forgets the bias of the output layer.
    drifted_js = good.html.replace("var v = acc + L.b[j];", "var v = acc + (k ? 0 : L.b[j]);")
    assert drifted_js != good.html
    drifted_js = drifted_js.replace(good.element_id, "vaebook-explorer-drifted")
    page, problems = open_page(
        browser, write_page(tmp_path / "drift.html", drifted_export, drifted_js).as_uri()
    )
    try:
        decode = numpy_decoder(models[2])
        for explorer_id in (drifted_export.element_id, "vaebook-explorer-drifted"):
            assert max_pixel_difference(page, explorer_id, parity_codes(2, 3), decode) > TOLERANCE
    finally:
        page.close()
    assert not problems


def test_sixty_decodes_and_draws_per_second(browser, site, explorers) -> None:
    folder, _ = site
    page, problems = open_page(browser, (folder / "both.html").as_uri())
    try:
        uid = explorers[20].element_id
        draws = int(page.get_attribute(f"#{uid}", "data-draws"))
        page.evaluate(TIME_EVENTS, uid)  # warm up the JIT once
        milliseconds = min(page.evaluate(TIME_EVENTS, uid) for _ in range(3))
        assert int(page.get_attribute(f"#{uid}", "data-draws")) == draws + 800
    finally:
        page.close()
    rate = 200 / (milliseconds / 1000)
    print(f"\nd = 20, 784-400-20 decoder: {rate:,.0f} decodes and draws per second")
    assert rate >= MIN_DECODES_PER_SECOND and not problems, (rate, problems)


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_two_explorers_on_one_page_work_apart(browser, site, explorers, scheme) -> None:
    folder, base_url = site
    url = (folder / "both.html").as_uri() if scheme == "file" else f"{base_url}/both.html"
    page, problems = open_page(browser, url)
    try:
        assert check_explorers(page) == 2
        a, b = explorers[2].element_id, explorers[20].element_id
        page.evaluate(SET_CODE, [b, [0.0] * 20])
        before_a, before_b = page.evaluate(READ_DIGIT, a), page.evaluate(READ_DIGIT, b)
        page.evaluate(SET_CODE, [a, [2.0, -2.0]])
        assert page.evaluate(READ_DIGIT, a) != before_a
        assert page.evaluate(READ_DIGIT, b) == before_b, "moving one explorer changed the other"
        assert page.evaluate("Object.keys(window).filter(k => /vx|explorer|vaebook/i.test(k))") == []
    finally:
        page.close()
    assert not problems, problems


def test_sliders_have_labels_and_move_with_the_keyboard(browser, site, explorers) -> None:
    folder, _ = site
    page, problems = open_page(browser, (folder / "both.html").as_uri())
    try:
        root = page.locator(f"#{explorers[20].element_id}")
        page.evaluate(SET_CODE, [explorers[20].element_id, [0.0] * 20])
        for j in (0, 19):
            slider = root.get_by_label(f"z{j + 1}", exact=True)
            assert slider.get_attribute("id") == f"{explorers[20].element_id}-z{j}"
        slider = root.get_by_label("z7", exact=True)
        slider.focus()
        before = page.evaluate(READ_DIGIT, explorers[20].element_id)
        for _ in range(50):
            page.keyboard.press("ArrowRight")
        assert slider.input_value() == "0.5"
        assert root.locator(f"#{explorers[20].element_id}-v6").inner_text() == "0.50"
        assert page.evaluate(READ_DIGIT, explorers[20].element_id) != before
        page.keyboard.press("End")
        assert slider.input_value() == "3"
    finally:
        page.close()
    assert not problems, problems


def test_the_buttons_and_the_latent_plane(browser, site, models, explorers, stand_in_codes) -> None:
    folder, _ = site
    page, problems = open_page(browser, (folder / "both.html").as_uri(), has_touch=True)
    uid = explorers[2].element_id
    root = page.locator(f"#{uid}")
    sliders = [page.locator(f"#{uid}-z{j}") for j in range(2)]
    try:
        root.get_by_role("button", name="random z ~ N(0, I)").click()
        first = [float(s.input_value()) for s in sliders]
        root.get_by_role("button", name="random z ~ N(0, I)").click()
        assert first != [float(s.input_value()) for s in sliders] and max(map(abs, first)) <= 3
        root.get_by_role("button", name="reset z = 0").click()
        assert [float(s.input_value()) for s in sliders] == [0.0, 0.0]
        root.get_by_label("start from").select_option("3")
        root.get_by_role("button", name="start from digit's μ").click()
        np.testing.assert_allclose(
            [float(s.input_value()) for s in sliders], stand_in_codes[2][0][3], atol=0.006
        )
        # The plane: the mouse at 3/4 across and 1/4 down is z = (1.5, 1.5) of +-3.
        box = root.locator(".vx-plane").bounding_box()
        page.mouse.move(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"])
        readout = root.locator(".vx-readout").inner_text()
        z = np.array(re.findall(r"-?\d+\.\d+", readout), dtype=np.float32)
        np.testing.assert_allclose(z, [1.5, 1.5], atol=0.03)
        expected = np.round(255 * numpy_decoder(models[2])(z[None]).reshape(-1))
        assert np.abs(np.asarray(page.evaluate(READ_DIGIT, uid)) - expected).max() <= TOLERANCE + 1
        page.touchscreen.tap(box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"])
        assert root.locator(".vx-readout").inner_text().startswith("(z₁, z₂) = (-1.5")
    finally:
        page.close()
    assert not problems, problems


def test_it_runs_as_a_notebook_output_attached_after_its_scripts(
    browser, tmp_path, explorers
) -> None:
    """JupyterLab puts an output's HTML into a node, re-creates its scripts, and attaches
    the node to the document later; the explorer must start all the same."""
    page, problems = open_page(browser, write_page(tmp_path / "empty.html", "").as_uri())
    try:
        page.evaluate(
            """(html) => {
              const host = document.createElement("div");
              host.innerHTML = html;
              for (const old of host.querySelectorAll("script")) {
                const script = document.createElement("script");
                for (const a of old.attributes) script.setAttribute(a.name, a.value);
                script.textContent = old.textContent;
                old.replaceWith(script);
              }
              setTimeout(() => document.body.appendChild(host), 120);
            }""",
            explorers[2].html,
        )
        page.wait_for_function(
            f"document.getElementById('{explorers[2].element_id}')?.dataset.ready === '1'"
        )
        assert check_explorers(page) == 1
    finally:
        page.close()
    assert not problems, problems


def test_the_toggle_opens_and_its_sliders_work(browser, tmp_path, models) -> None:
    explorer = latent_explorer(decoder_layers(models[20]), latent_dim=20, codes=collapsed_codes())
    page, problems = open_page(browser, write_page(tmp_path / "toggle.html", explorer).as_uri())
    try:
        hidden = page.locator(f"#{explorer.element_id}-z19")
        assert not hidden.is_visible()
        assert check_explorers(page) == 1  # opens the toggle and drags all 20 sliders
        assert hidden.is_visible() and hidden.input_value() != "0"
    finally:
        page.close()
    assert not problems, problems


def test_a_second_view_of_the_same_output_works_on_its_own(browser, tmp_path, explorers) -> None:
    """JupyterLab's "New View for Notebook" shows one output twice: the same ids twice.
    Each copy's script wires its own copy."""
    html = explorers[2].html
    page, problems = open_page(browser, write_page(tmp_path / "twice.html", html, html).as_uri())
    try:
        draws = page.evaluate(
            """() => {
              const [first, second] = document.querySelectorAll(".vaebook-explorer");
              const slider = second.querySelector("input[type=range]");
              slider.value = "1.5";
              slider.dispatchEvent(new Event("input", {bubbles: true}));
              return [first.dataset.draws, second.dataset.draws, first.dataset.ready,
                      second.dataset.ready];
            }"""
        )
        assert draws == ["1", "2", "1", "1"], draws
    finally:
        page.close()
    assert not problems, problems


@pytest.mark.parametrize(
    "broken, message",
    [
        (lambda html: re.sub(r"<script>.*?</script>", "", html, flags=re.S), "script did not run"),
        (lambda html: html.replace("ctx.putImageData(image, 0, 0);", ""), "did not change"),
    ],
    ids=["no script", "no drawing"],
)
def test_check_explorers_fails_on_a_broken_explorer(
    browser, tmp_path, explorers, broken, message
) -> None:
    html = broken(explorers[2].html)
    assert html != explorers[2].html
    page = browser.new_page()
    page.goto(write_page(tmp_path / "broken.html", html).as_uri())
    try:
        with pytest.raises(AssertionError, match=message):
            check_explorers(page, timeout_ms=500)
    finally:
        page.close()
