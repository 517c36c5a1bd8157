// rome-gym report: draws the charts from the embedded JSON with uPlot (inlined before this script).
// Only textContent and uPlot's own DOM calls touch the page; no HTML is ever built from data.
(function () {
  'use strict';
  var dataEl = document.getElementById('report-data');
  if (!dataEl || typeof uPlot === 'undefined') return;
  var data = JSON.parse(dataEl.textContent || '{}');
  var charts = data.charts || {};
  var made = [];

  function fmtSteps(v) {
    if (v == null) return '';
    var a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toFixed(2) + 'M';
    if (a >= 1e3) return +(v / 1e3).toFixed(1) + 'k';
    return String(+v.toFixed(2));
  }
  function fmtPct(v) {
    return v == null ? '' : +(v * 100).toFixed(1) + '%';
  }
  function fmtNum(v) {
    return v == null ? '' : String(+v.toFixed(3));
  }
  var FORMATS = { steps: fmtSteps, pct: fmtPct, num: fmtNum, int: function (v) { return v == null ? '' : String(Math.round(v)); } };

  function widthOf(el) {
    return Math.max(160, Math.floor(el.getBoundingClientRect().width) - 2);
  }

  function build(el, spec) {
    var xf = FORMATS[spec.xFormat] || fmtNum;
    var yf = FORMATS[spec.yFormat] || fmtNum;
    var stepped = spec.stepped ? uPlot.paths.stepped({ align: 1 }) : null;
    var series = [{ label: spec.xLabel, value: function (u, v) { return xf(v); } }];
    var values = [spec.x];
    spec.series.forEach(function (s) {
      var band = s.role === 'lo' || s.role === 'hi';
      var cfg = {
        label: s.label,
        stroke: band ? 'transparent' : s.color,
        width: band ? 0 : s.width,
        show: !s.hidden,
        spanGaps: true,
        points: { show: false },
        value: function (u, v) { return yf(v); },
      };
      if (s.dash) cfg.dash = s.dash;
      if (stepped && !band) cfg.paths = stepped;
      series.push(cfg);
      values.push(s.values);
    });
    var opts = {
      title: spec.title,
      width: widthOf(el),
      height: spec.height,
      series: series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: spec.yRange ? { range: spec.yRange } : { auto: true } },
      axes: [
        { label: spec.xLabel, labelSize: 18, size: 34, space: 34, values: function (u, splits) { return splits.map(xf); } },
        spec.yLabel
          ? { label: spec.yLabel, labelSize: 18, size: 46, values: function (u, splits) { return splits.map(yf); } }
          : { size: 50, values: function (u, splits) { return splits.map(yf); } },
      ],
    };
    if (spec.bands && spec.bands.length) {
      opts.bands = spec.bands.map(function (b) {
        return { series: [b.hi + 1, b.lo + 1], fill: b.fill };
      });
    }
    return new uPlot(opts, values, el);
  }

  var els = document.querySelectorAll('.chart[data-chart]');
  for (var i = 0; i < els.length; i++) {
    var el = els[i];
    var spec = charts[el.getAttribute('data-chart')];
    if (!spec) {
      console.error('report: no data for chart ' + el.getAttribute('data-chart'));
      continue;
    }
    try {
      made.push({ el: el, spec: spec, u: build(el, spec) });
    } catch (e) {
      console.error('report: chart ' + el.getAttribute('data-chart') + ' failed: ' + e);
    }
  }

  // Seed pickers: each checkbox shows or hides one seed's line in every chart of its group.
  var toggles = document.querySelectorAll('input.seed-toggle');
  for (var t = 0; t < toggles.length; t++) {
    toggles[t].addEventListener('change', function (ev) {
      var box = ev.target;
      var group = box.getAttribute('data-group');
      var seed = Number(box.getAttribute('data-seed'));
      made.forEach(function (c) {
        if (c.spec.group !== group) return;
        c.spec.series.forEach(function (s, k) {
          if (s.role === 'seed' && s.seed === seed) c.u.setSeries(k + 1, { show: box.checked });
        });
      });
    });
  }

  var pending = null;
  window.addEventListener('resize', function () {
    if (pending !== null) clearTimeout(pending);
    pending = setTimeout(function () {
      pending = null;
      made.forEach(function (c) { c.u.setSize({ width: widthOf(c.el), height: c.spec.height }); });
    }, 120);
  });

  document.body.setAttribute('data-charts-drawn', String(made.length));
})();
