import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';
import { useNow } from '../hooks/useNow.ts';
import { useShareListener } from '../hooks/useShareListener.ts';
import type { PcmPlayer } from '../lib/pcmPlayer.ts';
import {
  currentLineIndex,
  FINAL_PHASES,
  formatClock,
  normalizeSessionCode,
  progressAt,
  progressFraction,
  thumbnailSrc,
  type ListenerPhase,
  type ProgressAnchor,
} from '../lib/share.ts';
import type { LyricsState } from '../lib/types.ts';

/** The form that opens a session by its code. */
function CodeForm({ initial = '', autoFocus = false }: { initial?: string; autoFocus?: boolean }) {
  const id = useId();
  const navigate = useNavigate();
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = normalizeSessionCode(value);
    if (!code) {
      setError('A session code is six digits, like 123456.');
      return;
    }
    setError(null);
    void navigate(`/share/${code}`);
  };

  return (
    <form className="share-code" onSubmit={submit} noValidate data-testid="share-code-form">
      <label className="field__label" htmlFor={`${id}-code`}>
        Session code
      </label>
      <div className="share-code__row">
        <input
          id={`${id}-code`}
          className="input share-code__input"
          inputMode="numeric"
          autoComplete="off"
          placeholder="123456"
          maxLength={9}
          // The form is what the page is for when no session is open.
          autoFocus={autoFocus}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(event) => setValue(event.target.value)}
          data-testid="share-code-input"
        />
        <button type="submit" className="btn btn--primary" data-testid="share-code-submit">
          Listen
        </button>
      </div>
      {error && (
        <p className="field__error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const PHASE_LABELS: Record<ListenerPhase, string> = {
  joining: 'Joining',
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  ended: 'Ended',
  expired: 'Expired',
  not_found: 'Not found',
  unauthorized: 'Link not valid',
  error: 'Error',
};

const PHASE_TONES: Record<ListenerPhase, string> = {
  joining: 'busy',
  connecting: 'busy',
  live: 'ok',
  reconnecting: 'warn',
  ended: 'muted',
  expired: 'muted',
  not_found: 'bad',
  unauthorized: 'bad',
  error: 'bad',
};

/** The connection state, as a pill. */
function PhasePill({ phase }: { phase: ListenerPhase }) {
  return (
    <span
      className={`pill pill--${PHASE_TONES[phase]}`}
      data-testid="share-state"
      data-state={phase}
      role="status"
      aria-live="polite"
    >
      <span className="pill__dot" aria-hidden="true" />
      {PHASE_LABELS[phase]}
    </span>
  );
}

/** Seconds the listener hears the host late, when sound plays and the estimate is believable. */
function audioLagSeconds(player: PcmPlayer): number {
  if (!player.active) return 0;
  const { delayMs } = player.stats();
  return delayMs !== null && delayMs > 0 && delayMs < 10_000 ? delayMs / 1000 : 0;
}

/**
 * The progress bar, moved every animation frame from the last metadata's anchor (written to the DOM directly: a
 * re-render of the page sixty times a second would be waste).
 */
function ProgressBar({ anchor, player }: { anchor: ProgressAnchor | null; player: PcmPlayer }) {
  const fill = useRef<HTMLSpanElement>(null);
  const elapsedLabel = useRef<HTMLSpanElement>(null);
  const bar = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!anchor) return;
    let frame = 0;
    const draw = () => {
      const elapsed = Math.max(0, progressAt(anchor, Date.now()) - audioLagSeconds(player));
      const fraction = progressFraction(elapsed, anchor.total);
      if (fill.current) fill.current.style.transform = `scaleX(${fraction})`;
      if (elapsedLabel.current) elapsedLabel.current.textContent = formatClock(elapsed);
      if (bar.current) {
        bar.current.setAttribute('aria-valuenow', String(Math.round(elapsed)));
        bar.current.setAttribute('aria-valuetext', `${formatClock(elapsed)} of ${formatClock(anchor.total)}`);
        bar.current.dataset.elapsed = elapsed.toFixed(2);
      }
      if (anchor.playing) frame = requestAnimationFrame(draw);
    };
    draw();
    return () => cancelAnimationFrame(frame);
  }, [anchor, player]);

  return (
    <div className="share-progress">
      <div
        ref={bar}
        className="share-progress__bar"
        role="progressbar"
        aria-label="Track progress"
        aria-valuemin={0}
        aria-valuemax={anchor?.total ? Math.round(anchor.total) : undefined}
        data-testid="share-progress"
      >
        <span ref={fill} className="share-progress__fill" />
      </div>
      <div className="share-progress__times">
        <span ref={elapsedLabel} data-testid="share-elapsed">
          {anchor ? formatClock(anchor.elapsed) : '–:––'}
        </span>
        <span data-testid="share-total">{formatClock(anchor?.total)}</span>
      </div>
    </div>
  );
}

/** Synced lyrics with the current line highlighted and kept in view; plain lyrics as a list. */
function Lyrics({ lyrics, anchor, player }: { lyrics: LyricsState; anchor: ProgressAnchor | null; player: PcmPlayer }) {
  const now = useNow(100);
  const list = useRef<HTMLOListElement>(null);
  // The server's lineIndex holds until there is a progress anchor to compute the line from locally.
  let current = lyrics.synced ? lyrics.lineIndex : -1;
  if (lyrics.synced && anchor) {
    current = currentLineIndex(lyrics.lines, progressAt(anchor, now) - audioLagSeconds(player));
  }

  useLayoutEffect(() => {
    const container = list.current;
    if (!container || current < 0) return;
    const line = container.children[current] as HTMLElement | undefined;
    if (!line) return;
    const top = line.offsetTop - container.clientHeight / 2 + line.clientHeight / 2;
    const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    container.scrollTo({ top: Math.max(0, top), behavior: reduce ? 'auto' : 'smooth' });
  }, [current]);

  return (
    <section className="panel share-lyrics" aria-label="Lyrics" data-testid="share-lyrics" data-synced={lyrics.synced}>
      <h2 className="panel__title share-lyrics__title">Lyrics</h2>
      <ol ref={list} className={`share-lyrics__list${lyrics.synced ? ' share-lyrics__list--synced' : ''}`}>
        {lyrics.lines.map((line, index) => {
          const state = !lyrics.synced ? '' : index === current ? ' is-current' : index < current ? ' is-past' : '';
          return (
            <li
              // Lines repeat (choruses): the index is their identity.
              key={index}
              className={`share-lyrics__line${state}`}
              aria-current={index === current ? 'true' : undefined}
              data-testid="share-lyric-line"
              data-index={index}
            >
              {line.text || '\u00a0'}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** How full the jitter buffer is and how late the sound is; `data-scheduled` counts AudioBuffers scheduled. */
function BufferIndicator({ player }: { player: PcmPlayer }) {
  useNow(250);
  const stats = player.stats();
  const playing = stats.state === 'playing';
  return (
    <p
      className="share-buffer"
      data-testid="share-buffer"
      data-scheduled={stats.scheduled}
      data-dropped={stats.dropped}
      data-buffered-ms={stats.bufferedMs}
      data-delay-ms={stats.delayMs ?? ''}
      data-player={stats.state}
    >
      {playing ? (
        <>
          <span>
            Buffer <strong>{stats.bufferedMs} ms</strong>
          </span>
          <span>
            Delay <strong>{stats.delayMs !== null && stats.delayMs >= 0 ? `≈ ${stats.delayMs} ms` : '–'}</strong>
          </span>
          <span className="share-buffer__faint">
            {stats.scheduled} chunks{stats.dropped > 0 ? `, ${stats.dropped} skipped` : ''}
          </span>
        </>
      ) : (
        <span className="share-buffer__faint">{stats.state === 'starting' ? 'Starting sound…' : 'Sound is off'}</span>
      )}
    </p>
  );
}

/** The "Tap to listen" button (browsers only allow sound after a tap) and its opposite. */
function ListenButton({ player, disabled }: { player: PcmPlayer; disabled: boolean }) {
  const [on, setOn] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    setError(null);
    try {
      if (on) {
        await player.stop();
        setOn(false);
      } else {
        setOn(true);
        await player.start();
      }
    } catch (err) {
      setOn(false);
      setError(err instanceof Error ? `Sound could not start: ${err.message}` : 'Sound could not start.');
    }
  };
  return (
    <div className="share-listen">
      <button
        type="button"
        className={`btn ${on ? 'btn--secondary' : 'btn--primary'} share-listen__button`}
        onClick={() => void toggle()}
        disabled={disabled && !on}
        aria-pressed={on}
        data-testid="share-listen"
      >
        {on ? 'Stop listening' : 'Tap to listen'}
      </button>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

const spacedCode = (code: string) => `${code.slice(0, 3)} ${code.slice(3)}`;

/** One session, live. */
function ListenSession({ code, linkToken }: { code: string; linkToken: string | null }) {
  const { state, player, retry } = useShareListener(code, linkToken);
  const { phase, metadata, anchor, lyrics } = state;
  const title = metadata?.title?.trim() || null;
  const artist = metadata?.artist?.trim() || null;
  useDocumentTitle(title ? `${title} · Share ${code}` : `Share ${code}`);
  const thumbnail = thumbnailSrc(metadata?.thumbnailData);
  const final = FINAL_PHASES.has(phase);
  const [codecNote, setCodecNote] = useState<string | null>(null);

  // Sound that was playing fades out with the buffer once the session is over.
  useEffect(() => {
    if (!final) return;
    const timer = setTimeout(() => void player.stop(), 1500);
    return () => clearTimeout(timer);
  }, [final, player]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (player.stats().unsupportedCodec === 'opus') {
        setCodecNote('This session’s codec (Opus) isn’t playable in this browser: lyrics and progress still follow.');
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [player]);

  if (phase === 'not_found') {
    return (
      <div className="share share--missing" data-testid="share-not-found">
        <div className="empty">
          <h1 className="empty__title">No live session with code {code}</h1>
          <p className="empty__text">
            The code may be mistyped, or the host has not started sharing yet. Check it and try again, or enter another.
          </p>
          <CodeForm autoFocus />
        </div>
      </div>
    );
  }

  return (
    <div className="share" data-testid="share-listen-page" data-phase={phase}>
      <div className="share__head">
        <p className="share__eyebrow">
          {final ? 'Share' : 'Live share'} · code <span className="share__code-inline">{spacedCode(code)}</span>
        </p>
        <div className="share__status">
          <PhasePill phase={phase} />
          <span className="share__listeners" data-testid="share-listeners" data-count={state.listenerCount ?? ''}>
            {state.listenerCount === null
              ? '– listening'
              : `${state.listenerCount} ${state.listenerCount === 1 ? 'listener' : 'listeners'}`}
          </span>
        </div>
      </div>

      {(phase === 'ended' || phase === 'expired') && (
        <div className="notice notice--ended" role="status" data-testid="share-ended" data-reason={phase}>
          <strong>{phase === 'ended' ? 'The host ended this session.' : 'This session has expired.'}</strong>{' '}
          <Link to="/share">Listen to another</Link>
        </div>
      )}
      {phase === 'unauthorized' && (
        <p className="notice notice--error" role="alert" data-testid="share-unauthorized">
          This link does not open session {code}: ask the host for a new link, or{' '}
          <Link to={`/share/${code}`}>join with the code alone</Link>.
        </p>
      )}
      {phase === 'error' && (
        <p className="notice notice--error" role="alert" data-testid="share-error">
          {state.message ?? 'Something went wrong.'}{' '}
          <button type="button" className="btn btn--ghost btn--small" onClick={retry}>
            Try again
          </button>
        </p>
      )}
      {phase !== 'error' && state.message && (
        <p className="notice notice--error" role="alert">
          {state.message}
        </p>
      )}

      <div className={`share__body${final ? ' share__body--over' : ''}`}>
        <section className="panel share-now" aria-label="Now playing" data-testid="share-now">
          <div className="share-now__art">
            {thumbnail ? (
              <img src={thumbnail} alt="" width={320} height={320} data-testid="share-thumbnail" />
            ) : (
              <div className="share-now__placeholder" aria-hidden="true">
                ♪
              </div>
            )}
          </div>
          <div className="share-now__info">
            <p className="share-now__eyebrow">Now playing</p>
            <h1 className="share-now__title" data-testid="share-title">
              {title ?? (phase === 'live' ? 'Waiting for the host…' : '—')}
            </h1>
            <p className="share-now__artist" data-testid="share-artist">
              {artist ?? ''}
            </p>
            <ProgressBar anchor={anchor} player={player} />
            {!final && (
              <div className="share-now__controls">
                <ListenButton player={player} disabled={phase !== 'live' && phase !== 'reconnecting'} />
                <BufferIndicator player={player} />
              </div>
            )}
            {codecNote && (
              <p className="notice notice--error" data-testid="share-codec">
                {codecNote}
              </p>
            )}
          </div>
        </section>
        {lyrics ? (
          <Lyrics lyrics={lyrics} anchor={anchor} player={player} />
        ) : (
          <section className="panel share-lyrics share-lyrics--empty" aria-label="Lyrics">
            <p className="panel__text">No lyrics for this track.</p>
          </section>
        )}
      </div>
    </div>
  );
}

/**
 * The listener page: `/share` asks for a session code; `/share/:code` follows that session (title, artist, cover,
 * moving progress, synced lyrics, listener count) and plays its audio after a tap. A share link carries the
 * listener token (`?t=`); without one the page joins with the code alone.
 */
export function ShareListenPage() {
  const { code: rawCode } = useParams();
  const [params] = useSearchParams();
  const linkToken = params.get('t');

  if (rawCode === undefined) return <Landing />;
  const code = normalizeSessionCode(rawCode);
  if (!code) return <BadCode rawCode={rawCode} />;
  return <ListenSession key={`${code}:${linkToken ?? ''}`} code={code} linkToken={linkToken} />;
}

/** `/share`: the code form. */
function Landing() {
  useDocumentTitle('Share');
  return (
    <div className="share share--landing" data-testid="share-landing">
      <div className="page-head">
        <div>
          <h1 className="page-head__title">Listen along</h1>
          <p className="page-head__text">
            Enter the six-digit code the host shows to follow what they are playing, with lyrics and sound.
          </p>
        </div>
        <Link className="btn btn--ghost" to="/share/host" data-testid="share-host-link">
          Share your music
        </Link>
      </div>
      <section className="panel share-landing__panel">
        <CodeForm autoFocus />
      </section>
    </div>
  );
}

/** `/share/<not a code>`. */
function BadCode({ rawCode }: { rawCode: string }) {
  useDocumentTitle('Share');
  return (
    <div className="share share--missing" data-testid="share-bad-code">
      <div className="empty">
        <h1 className="empty__title">“{rawCode}” is not a session code</h1>
        <p className="empty__text">A session code is six digits.</p>
        <CodeForm autoFocus />
      </div>
    </div>
  );
}
