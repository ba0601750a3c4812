/**
 * The page's own script: draws each chart described in the `respool-charts` JSON with the
 * inlined Chart.js. Everything else on the page is static HTML, so without JavaScript the report
 * still shows every finding and table; the chart fallback tables start open and are folded only
 * once their chart has been drawn.
 *
 * Plain ES2020 in a string rather than TypeScript: it runs in the browser, outside this
 * package's build, and must not depend on how tsx or tsc emit functions.
 */
// CSS pixels of a chart on paper: the full width of an A4/Letter page at the default margins.
const PRINT_CHART_WIDTH = 680;
const PRINT_CHART_HEIGHT = 260;

export const PAGE_SCRIPT = `
(() => {
  'use strict';
  // Without Chart.js the chart boxes stay hidden and the fallback tables open.
  if (typeof Chart === 'undefined') return;
  const root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');
  const specs = JSON.parse(document.getElementById('respool-charts').textContent);
  const charts = [];
  for (const spec of specs) {
    const canvas = document.getElementById(spec.canvasId);
    if (canvas === null) continue;
    const chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((d) => ({
          label: d.label,
          data: d.data,
          backgroundColor: d.color,
          borderColor: d.color,
          borderWidth: 1,
          maxBarThickness: 120,
        })),
      },
      options: {
        // A finished picture at once: for print, screenshots and readers who prefer no motion.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, title: { display: true, text: spec.xTitle } },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: spec.yTitle },
          },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { mode: 'index', intersect: false },
        },
      },
    });
    charts.push(chart);
    const details = document.getElementById(spec.canvasId + '-data');
    if (details !== null) details.open = false;
  }
  // The print layout is narrower than the screen's, and the canvas is a bitmap: redraw it at
  // the printed size and back afterwards.
  addEventListener('beforeprint', () => {
    for (const chart of charts) chart.resize(${PRINT_CHART_WIDTH}, ${PRINT_CHART_HEIGHT});
  });
  addEventListener('afterprint', () => {
    for (const chart of charts) chart.resize();
  });
})();
`;
