// A live line chart (uPlot) fed by a server-sent event stream; keeps the last `points` samples.
import { h } from './dom.js';

export function liveChart(container, { id, title, series, points = 120, height = 220 }) {
  const data = [[], ...series.map(() => [])];
  const wrap = h('figure', { class: 'chart', id, 'aria-label': title },
    h('figcaption', {}, title));
  container.append(wrap);
  const width = () => Math.max(280, wrap.clientWidth - 16);
  const plot = new window.uPlot({
    width: width(), height,
    // A fixed window ending at the newest sample, so the axis reads in seconds from the first point on.
    scales: { x: { time: true, range: () => {
      // From our own samples: uPlot pads a lone point's range by days, which would push it off the window.
      const end = data[0].length ? data[0][data[0].length - 1] : Date.now() / 1000;
      return [end - points, end];
    } } },
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, value: (u, v) => v == null ? '' : v.toFixed(s.digits ?? 1) }))],
    axes: [{}, { size: 60 }],
  }, data, wrap);
  const onResize = () => plot.setSize({ width: width(), height });
  window.addEventListener('resize', onResize);
  let count = 0;
  return {
    push(tMillis, values) {
      data[0].push(tMillis / 1000);
      values.forEach((v, i) => data[i + 1].push(v));
      if (data[0].length > points) data.forEach((col) => col.shift());
      count++;
      wrap.dataset.points = String(count); // read by the browser tests
      wrap.dataset.last = values.join(',');
      plot.setData(data);
    },
    destroy() { window.removeEventListener('resize', onResize); plot.destroy(); },
  };
}

/** Opens an EventSource whose JSON events go to `onData`; returns a close function. */
export function stream(url, onData, onError) {
  const es = new EventSource(url, { withCredentials: true });
  es.onmessage = (e) => {
    try { onData(JSON.parse(e.data)); } catch (err) { onError?.(err); }
  };
  // The browser retries a dropped stream by itself, but gives up on an HTTP error (e.g. 401 after the session ended).
  es.onerror = () => onError?.(new Error(es.readyState === EventSource.CLOSED
    ? 'the live stream ended; reload the page (or log in again)' : 'the live stream was interrupted; reconnecting'));
  return () => es.close();
}
