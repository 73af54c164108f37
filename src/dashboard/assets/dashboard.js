// Draws the overview's charts with Chart.js (served from node_modules). The numbers come from each
// canvas's data-chart attribute; the page shows the same numbers in a table without this script.
const COLOURS = ['#c0392b', '#2e86c1', '#8e44ad', '#d68910'];

for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
  const data = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.days,
      datasets: Object.entries(data.series).map(([label, values], index) => ({
        label,
        data: values,
        backgroundColor: COLOURS[index % COLOURS.length],
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  canvas.dataset.drawn = 'true';
}
