/**
 * The console's browser script, served as `<path>/assets/console.js` (the page's CSP allows
 * scripts from its own origin only, never inline). It reads the JSON the page embeds and draws
 * three Chart.js charts per scope: decisions over time by action (stacked bars), counts per
 * policy (stacked horizontal bars), and the latency distribution. Plain ES2020, no build step.
 */
export const CONSOLE_SCRIPT = `(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('console-data').textContent);
  const Chart = window.Chart;
  if (!Chart) return; // the tables still carry every figure
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  const COLORS = { allow: '#66bb6a', challenge: '#ffa726', block: '#ef5350', monitor: '#42a5f5', observe: '#42a5f5' };
  const time = (iso) => new Date(iso).toISOString().slice(11, 19);
  const stacked = { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } };
  data.forEach((scope, i) => {
    const timeline = document.getElementById('timeline-' + i);
    if (timeline) {
      new Chart(timeline, {
        type: 'bar',
        data: {
          labels: scope.timeline.buckets.map((b) => time(b.start)),
          datasets: ['allow', 'challenge', 'block', 'monitor'].map((a) => ({
            label: a,
            data: scope.timeline.buckets.map((b) => b[a]),
            backgroundColor: COLORS[a],
          })),
        },
        options: { maintainAspectRatio: false, scales: stacked, plugins: { legend: { position: 'bottom' } } },
      });
    }
    const policies = document.getElementById('policies-' + i);
    if (policies) {
      new Chart(policies, {
        type: 'bar',
        data: {
          labels: scope.policies.map((p) => p.name),
          datasets: ['observe', 'challenge', 'block', 'allow'].map((a) => ({
            label: a,
            data: scope.policies.map((p) => p[a]),
            backgroundColor: COLORS[a],
          })),
        },
        options: {
          indexAxis: 'y',
          maintainAspectRatio: false,
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
          plugins: { legend: { position: 'bottom' } },
        },
      });
    }
    const latency = document.getElementById('latency-' + i);
    if (latency) {
      new Chart(latency, {
        type: 'bar',
        data: {
          labels: scope.latency.labels,
          datasets: [{ label: 'decisions', data: scope.latency.counts, backgroundColor: '#7e57c2' }],
        },
        options: {
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { display: false } },
        },
      });
    }
  });
  document.documentElement.dataset.charts = String(Object.keys(Chart.instances).length);
})();
`;
