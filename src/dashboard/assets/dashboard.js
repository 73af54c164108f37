// Draws the overview's charts with Chart.js (served from node_modules). The numbers come from each
// canvas's data-chart attribute; the page shows the same numbers in a table without this script.
// Two kinds: counts per day stacked by series (the default), and `share`, a percentage per day and series
// drawn as lines (null where nothing was measured that day, shown as a gap).
const COLOURS = ['#c0392b', '#2e86c1', '#8e44ad', '#d68910', '#16a085', '#7f8c8d', '#2c3e50', '#e67e22'];

for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
  const data = JSON.parse(canvas.dataset.chart);
  const share = data.kind === 'share';
  new Chart(canvas, {
    type: share ? 'line' : 'bar',
    data: {
      labels: data.days,
      datasets: Object.entries(data.series).map(([label, values], index) => ({
        label,
        data: values,
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        spanGaps: false,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: share
        ? { y: { min: 0, max: 100, ticks: { callback: (value) => `${value}%` } } }
        : { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  canvas.dataset.drawn = 'true';
}
