"""The reader's check of vaebook's latent explorers on a page (helpers, not a test file).

tests/test_browser.py runs ``check_explorers`` on every page of the built book and
tests/test_explorer.py proves it on pages that must fail it. Only Playwright is
imported, no framework.
"""

from __future__ import annotations

from playwright.sync_api import Page

# The digit on an explorer's canvas, one grey level (0..255) per digit pixel, read at
# the centre of each scale x scale block.
READ_DIGIT = """
(id) => {
  const canvas = document.querySelector("#" + id + " canvas.vx-digit");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const side = 28, s = canvas.width / side, grey = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      grey.push(data[((r * s + (s >> 1)) * canvas.width + c * s + (s >> 1)) * 4]);
    }
  }
  return grey;
}
"""

# Every explorer on the page has unpacked its weights and wired its inputs.
ALL_READY = "[...document.querySelectorAll('.vaebook-explorer')].every(e => e.dataset.ready)"


def check_explorers(page: Page, *, timeout_ms: int = 10_000) -> int:
    """Drag every slider of every latent explorer on ``page``, and move over every latent
    plane, with the mouse; assert that each move redraws the digit. Returns how many
    explorers the page has (0 is fine here; the caller says which pages must have one).

    Sliders behind the "inactive dimensions" toggle are opened and dragged too; as their
    dimensions may barely change the digit, for them a redraw is required, not a change.
    """
    try:  # each explorer unpacks its weights (asynchronously) before it wires its inputs
        page.wait_for_function(ALL_READY, timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - the assertion below names the explorer
        pass
    roots = page.locator(".vaebook-explorer")
    for k in range(roots.count()):
        root = roots.nth(k)
        uid = root.get_attribute("id")
        assert root.get_attribute("data-ready") == "1", f"explorer {uid}: its script did not run"
        for details in root.locator("details").all():
            if details.get_attribute("open") is None:
                details.locator("summary").click()
        sliders = root.locator('input[type="range"]')
        assert sliders.count() >= 1, f"explorer {uid} has no slider"
        for j in range(sliders.count()):
            slider = sliders.nth(j)
            slider.scroll_into_view_if_needed()
            box = slider.bounding_box()
            assert box and box["width"] > 0, f"explorer {uid}: slider {j} is not visible"
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + 0.5 * box["width"], y)
            page.mouse.down()
            before = page.evaluate(READ_DIGIT, uid)
            draws, value = int(root.get_attribute("data-draws")), slider.input_value()
            page.mouse.move(box["x"] + 0.9 * box["width"], y, steps=2)
            page.mouse.up()
            name = slider.get_attribute("id")
            assert slider.input_value() != value, f"{name}: dragging did not move the slider"
            assert int(root.get_attribute("data-draws")) > draws, f"{name}: no redraw"
            if not slider.evaluate("s => Boolean(s.closest('details'))"):
                assert page.evaluate(READ_DIGIT, uid) != before, f"{name}: the digit did not change"
        for plane in root.locator(".vx-plane").all():
            plane.scroll_into_view_if_needed()
            box = plane.bounding_box()
            seen = []
            for u, v in ((0.2, 0.3), (0.8, 0.7)):
                page.mouse.move(box["x"] + u * box["width"], box["y"] + v * box["height"])
                readout = root.locator(".vx-readout").inner_text()
                seen.append((readout, page.evaluate(READ_DIGIT, uid)))
            assert seen[0][0] != seen[1][0], f"explorer {uid}: the (z1, z2) readout did not follow"
            assert seen[0][1] != seen[1][1], f"explorer {uid}: the plane's digit did not change"
    return roots.count()
