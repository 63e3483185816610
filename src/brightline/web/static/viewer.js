/* Eye photo viewer for the reviewer's case page: both eyes zoom and pan together (mouse,
   wheel, touch, pinch, keyboard), with brightness and contrast to read a lens opacity.
   No framework, no network: the page works without it as plain linked images. */
(function () {
  "use strict";
  var MIN = 1, MAX = 8;

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function setUp(viewer) {
    var tools = viewer.parentNode.querySelector("[data-viewer-tools]");
    var frames = Array.prototype.slice.call(viewer.querySelectorAll(".frame"));
    var images = Array.prototype.slice.call(viewer.querySelectorAll(".frame img"));
    if (!tools || !images.length) { return; }
    var state = { s: 1, x: 0, y: 0, b: 100, c: 100 };
    var pointers = {}, pinch = null, last = null;

    function size() { var f = frames[0]; return { w: f.clientWidth, h: f.clientHeight }; }

    function draw() {
      var box = size();
      // Keep the picture inside its frame: no panning past an edge.
      state.x = clamp(state.x, box.w * (1 - state.s), 0);
      state.y = clamp(state.y, box.h * (1 - state.s), 0);
      var t = "translate(" + state.x + "px," + state.y + "px) scale(" + state.s + ")";
      var f = "brightness(" + state.b + "%) contrast(" + state.c + "%)";
      images.forEach(function (img) { img.style.transform = t; img.style.filter = f; });
      tools.querySelector("[data-zoom-level]").textContent = Math.round(state.s * 100) + "%";
    }

    function zoomAt(factor, px, py) {
      var s = clamp(state.s * factor, MIN, MAX), k = s / state.s;
      state.x = px - (px - state.x) * k;
      state.y = py - (py - state.y) * k;
      state.s = s;
      draw();
    }

    function centre() { var box = size(); return [box.w / 2, box.h / 2]; }

    function local(frame, e) {
      var r = frame.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }

    frames.forEach(function (frame) {
      frame.classList.add("live");
      frame.tabIndex = 0;
      var link = frame.querySelector("a");
      if (link) { link.addEventListener("click", function (e) { e.preventDefault(); }); }
      frame.addEventListener("wheel", function (e) {
        e.preventDefault();
        var p = local(frame, e);
        zoomAt(e.deltaY < 0 ? 1.25 : 0.8, p[0], p[1]);
      }, { passive: false });
      frame.addEventListener("dblclick", function (e) {
        var p = local(frame, e);
        if (state.s > 1) { state.s = 1; state.x = 0; state.y = 0; draw(); } else { zoomAt(2.5, p[0], p[1]); }
      });
      frame.addEventListener("pointerdown", function (e) {
        frame.setPointerCapture(e.pointerId);
        pointers[e.pointerId] = local(frame, e);
        last = pointers[e.pointerId];
        pinch = null;
      });
      frame.addEventListener("pointermove", function (e) {
        if (!pointers[e.pointerId]) { return; }
        var p = local(frame, e);
        pointers[e.pointerId] = p;
        var ids = Object.keys(pointers);
        if (ids.length >= 2) {
          var a = pointers[ids[0]], b = pointers[ids[1]];
          var d = Math.hypot(a[0] - b[0], a[1] - b[1]);
          if (pinch) { zoomAt(d / pinch, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2); }
          pinch = d;
        } else if (last) {
          state.x += p[0] - last[0];
          state.y += p[1] - last[1];
          last = p;
          draw();
        }
      });
      function up(e) { delete pointers[e.pointerId]; pinch = null; last = null; }
      frame.addEventListener("pointerup", up);
      frame.addEventListener("pointercancel", up);
      frame.addEventListener("keydown", function (e) {
        var step = 40, c = centre(), moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0],
          ArrowUp: [0, step], ArrowDown: [0, -step] };
        if (e.key === "+" || e.key === "=") { zoomAt(1.25, c[0], c[1]); }
        else if (e.key === "-") { zoomAt(0.8, c[0], c[1]); }
        else if (e.key === "0") { state.s = 1; state.x = 0; state.y = 0; draw(); }
        else if (moves[e.key]) { state.x += moves[e.key][0]; state.y += moves[e.key][1]; draw(); }
        else { return; }
        e.preventDefault();
      });
    });

    tools.addEventListener("click", function (e) {
      var act = e.target.getAttribute && e.target.getAttribute("data-act");
      var c = centre();
      if (act === "in") { zoomAt(1.5, c[0], c[1]); }
      else if (act === "out") { zoomAt(1 / 1.5, c[0], c[1]); }
      else if (act === "reset") {
        state = { s: 1, x: 0, y: 0, b: 100, c: 100 };
        tools.querySelector("[data-filter=b]").value = 100;
        tools.querySelector("[data-filter=c]").value = 100;
        draw();
      }
    });
    tools.addEventListener("input", function (e) {
      var which = e.target.getAttribute("data-filter");
      if (which) { state[which] = Number(e.target.value); draw(); }
    });
    window.addEventListener("resize", draw);
    tools.hidden = false;
    draw();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-viewer]"), setUp);
})();
