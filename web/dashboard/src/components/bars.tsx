/**
 * Bars drawn with CSS, their numbers exposed to assistive technology: a scan's
 * progress (role progressbar) and a filesystem's or memory's usage (role
 * meter). The width is set through the CSSOM (React's `style`), which a
 * Content-Security-Policy without 'unsafe-inline' allows.
 */

/** A scan's progress, 0 to 100, with its percentage as visible text. */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className="progress">
      <div
        className="bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={v}
        aria-valuetext={`${v}%`}
      >
        <div className="fill" style={{ width: `${v}%` }} />
      </div>
      <span className="pct" aria-hidden="true">
        {v}%
      </span>
    </div>
  );
}

/** How full something is; over 90 % shows as a warning. Null: unknown. */
export function UsageBar({
  percent,
  label,
  text,
}: {
  percent: number | null;
  label: string;
  text: string;
}) {
  if (percent === null) return <span>{text}</span>;
  const v = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div className="progress">
      <div
        className={v >= 90 ? 'bar usage high' : 'bar usage'}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={v}
        aria-valuetext={text}
      >
        <div className="fill" style={{ width: `${v}%` }} />
      </div>
      <span className="pct">{text}</span>
    </div>
  );
}
