import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';

// Only what a stacked bar chart needs, so the chart chunk stays small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface BarSeries {
  label: string;
  values: number[];
  color: string;
}

const PALETTE = ['#228be6', '#fa5252', '#fd7e14', '#fab005', '#40c057', '#7950f2', '#15aabf', '#e64980'];

export function paletteColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/**
 * A stacked bar chart on a canvas (no inline style or script, so the CSP holds). The canvas has an
 * accessible name and summary; the numbers are also in a table next to every chart.
 */
export function BarChart({
  labels,
  series,
  title,
  summary,
}: {
  labels: string[];
  series: BarSeries[];
  title: string;
  summary: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((entry) => ({
          label: entry.label,
          data: entry.values,
          backgroundColor: entry.color,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.destroy();
  }, [labels, series]);
  return (
    <figure className="pgw-chart-figure">
      <figcaption>{title}</figcaption>
      <div className="pgw-chart">
        <canvas ref={canvas} role="img" aria-label={`${title}: ${summary}`} />
      </div>
    </figure>
  );
}
