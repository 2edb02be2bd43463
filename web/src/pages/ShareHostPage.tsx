import { useCallback, useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';
import { useNow } from '../hooks/useNow.ts';
import { downmix, streamSampleRate } from '../lib/pcmPlayer.ts';
import {
  formatBytes,
  formatClock,
  isSyncedLyrics,
  listenPath,
  lrcTags,
  normalizeSessionCode,
  randomSessionCode,
  titleArtistFromFileName,
} from '../lib/share.ts';
import { describeShareError, startShare, stopShare } from '../lib/shareApi.ts';
import { HostStreamer } from '../lib/shareHost.ts';
import { clearShareToken, normalizeShareToken, readShareToken, saveShareToken } from '../lib/shareToken.ts';
import type { ShareStartResponse, ShareStopResponse } from '../lib/types.ts';

/** A decoded file as samples the relay accepts: at most two channels, at a sample rate of 8000–192000 Hz. */
async function streamSamples(decoded: AudioBuffer): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  let buffer = decoded;
  const rate = streamSampleRate(buffer.sampleRate);
  if (rate !== buffer.sampleRate) {
    const offline = new OfflineAudioContext(
      Math.min(2, buffer.numberOfChannels),
      Math.ceil(buffer.duration * rate),
      rate,
    );
    const source = offline.createBufferSource();
    source.buffer = buffer;
    source.connect(offline.destination);
    source.start();
    buffer = await offline.startRendering();
  }
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  return { channels: downmix(channels, 2), sampleRate: buffer.sampleRate };
}

/** A live session, as the page keeps it. */
interface Live {
  started: ShareStartResponse;
  streamer: HostStreamer;
  ctx: AudioContext;
  buffer: AudioBuffer;
}

/** What the host entered. */
interface Setup {
  token: string;
  code: string;
  file: File | null;
  lrc: string | null;
  lrcName: string | null;
  title: string;
  artist: string;
  monitor: boolean;
}

/** The share link to show: the server's, or one built on this origin. */
function shareLinkOf(started: ShareStartResponse): string {
  return started.shareUrl || `${window.location.origin}${listenPath(started.sessionId, started.listenerToken)}`;
}

/** The live view: the code, the link, listeners, progress and Stop. */
function LiveView({
  live,
  monitor,
  onMonitor,
  onStop,
  stopping,
}: {
  live: Live;
  monitor: boolean;
  onMonitor: (on: boolean) => void;
  onStop: () => void;
  stopping: boolean;
}) {
  useNow(250);
  const { started, streamer } = live;
  const link = shareLinkOf(started);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const linkInput = useRef<HTMLInputElement>(null);
  const stats = streamer.stats;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      // No clipboard permission: select the link so the host can copy it by hand.
      linkInput.current?.select();
      setCopied('failed');
    }
  };

  return (
    <section className="panel share-host__live" aria-label="Live session" data-testid="share-host-live">
      <div className="share-host__code-block">
        <p className="share__eyebrow">Session code</p>
        <p className="share-host__code" data-testid="share-host-code">
          {started.sessionId}
        </p>
        <p className="share-host__hint">
          Listeners open <Link to="/share">/share</Link> and enter it, or use the link.
        </p>
      </div>
      <div className="field">
        <label className="field__label" htmlFor="share-host-link">
          Share link
        </label>
        <div className="share-code__row">
          <input
            ref={linkInput}
            id="share-host-link"
            className="input"
            readOnly
            value={link}
            onFocus={(event) => event.target.select()}
            data-testid="share-host-link"
          />
          <button type="button" className="btn btn--secondary" onClick={() => void copy()} data-testid="share-copy">
            {copied === 'yes' ? 'Copied' : 'Copy'}
          </button>
        </div>
        {copied === 'failed' && <p className="field__hint">Copy it from the field: the clipboard is not available.</p>}
      </div>
      <dl className="share-host__stats">
        <div>
          <dt>Listeners</dt>
          <dd data-testid="share-host-listeners" data-count={stats.listenerCount ?? ''}>
            {stats.listenerCount ?? '–'}
          </dd>
        </div>
        <div>
          <dt>Playing</dt>
          <dd data-testid="share-host-elapsed">
            {formatClock(streamer.elapsed())} / {formatClock(streamer.totalSeconds)}
          </dd>
        </div>
        <div>
          <dt>Sent</dt>
          <dd data-testid="share-host-sent" data-chunks={stats.chunksSent}>
            {formatBytes(stats.bytesSent)}
            {stats.chunksSkipped > 0 ? ` (${stats.chunksSkipped} chunks skipped)` : ''}
          </dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd data-testid="share-host-socket" data-state={stats.socket}>
            {stats.socket === 'open'
              ? 'Live'
              : stats.socket === 'closed'
                ? 'Closed'
                : stats.socket === 'connecting'
                  ? 'Connecting…'
                  : 'Reconnecting (sending over HTTP)'}
          </dd>
        </div>
      </dl>
      {stats.finished && (
        <p className="notice notice--ok" data-testid="share-host-finished">
          The track has finished. Stop the session when you are done; listeners see it end.
        </p>
      )}
      <div className="share-host__actions">
        <label className="check-field">
          <input
            type="checkbox"
            checked={monitor}
            onChange={(event) => onMonitor(event.target.checked)}
            data-testid="share-host-monitor"
          />
          Hear it here too
        </label>
        <button
          type="button"
          className="btn btn--primary share-host__stop"
          onClick={onStop}
          disabled={stopping}
          data-testid="share-host-stop"
        >
          {stopping ? 'Stopping…' : 'Stop sharing'}
        </button>
      </div>
    </section>
  );
}

/**
 * The host page (`/share/host`): pick a local audio file (and its `.lrc` lyrics), start a session under a code, and
 * stream the file in real time to listeners, with title, artist, progress and lyrics every second. The share token
 * (the server's BEARER_TOKEN) is remembered on this device.
 */
export function ShareHostPage() {
  useDocumentTitle('Share your music');
  const id = useId();
  const [setup, setSetup] = useState<Setup>(() => ({
    token: readShareToken() ?? '',
    code: randomSessionCode(),
    file: null,
    lrc: null,
    lrcName: null,
    title: '',
    artist: '',
    monitor: false,
  }));
  const [phase, setPhase] = useState<'setup' | 'starting' | 'live' | 'stopping' | 'stopped'>('setup');
  const [busyLabel, setBusyLabel] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [serverNote, setServerNote] = useState<string | null>(null);
  const [summary, setSummary] = useState<ShareStopResponse | null>(null);
  const [endedBy, setEndedBy] = useState<'stopped' | 'expired' | null>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [, setTick] = useState(0);
  const monitorSource = useRef<AudioBufferSourceNode | null>(null);
  // Title and artist typed by hand are not overwritten by a file's name.
  const edited = useRef({ title: false, artist: false });
  const setupRef = useRef(setup);
  setupRef.current = setup;

  const update = (patch: Partial<Setup>) => setSetup((s) => ({ ...s, ...patch }));

  const stopMonitor = useCallback(() => {
    try {
      monitorSource.current?.stop();
    } catch {
      // Already stopped.
    }
    monitorSource.current?.disconnect();
    monitorSource.current = null;
  }, []);

  const startMonitor = useCallback(
    (session: Live) => {
      stopMonitor();
      const offset = session.streamer.elapsed();
      if (offset >= session.buffer.duration) return;
      const source = session.ctx.createBufferSource();
      source.buffer = session.buffer;
      source.connect(session.ctx.destination);
      source.start(0, offset);
      monitorSource.current = source;
      void session.ctx.resume();
    },
    [stopMonitor],
  );

  // Leaving the page ends the stream (the session then expires on the server, or is stopped from another visit).
  useEffect(
    () => () => {
      stopMonitor();
      if (live) {
        live.streamer.stop();
        if (live.ctx.state !== 'closed') live.ctx.close().catch(() => undefined);
      }
    },
    [live, stopMonitor],
  );

  const onFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0] ?? null;
    const guess = file ? titleArtistFromFileName(file.name) : null;
    setSetup((s) => ({
      ...s,
      file,
      title: guess && !edited.current.title ? guess.title : s.title,
      artist: guess && !edited.current.artist && guess.artist ? guess.artist : s.artist,
    }));
  };

  const onLrc = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0] ?? null;
    if (!file) {
      update({ lrc: null, lrcName: null });
      return;
    }
    const text = await file.text();
    const tags = lrcTags(text);
    setSetup((s) => ({
      ...s,
      lrc: text,
      lrcName: file.name,
      title: tags.title && !edited.current.title && !s.title ? tags.title : s.title,
      artist: tags.artist && !edited.current.artist && !s.artist ? tags.artist : s.artist,
    }));
  };

  const start = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setServerNote(null);
    const token = normalizeShareToken(setup.token);
    const code = normalizeSessionCode(setup.code);
    if (!token) return setError('Enter the share token (the BEARER_TOKEN the server was started with).');
    if (!code) return setError('The code must be six digits.');
    if (!setup.file) return setError('Choose an audio file to share.');

    setPhase('starting');
    // Created from the tap, so "Hear it here too" may play sound.
    const ctx = new AudioContext();
    let decoded: { channels: Float32Array[]; sampleRate: number };
    let buffer: AudioBuffer;
    try {
      setBusyLabel('Reading the audio file…');
      buffer = await ctx.decodeAudioData(await setup.file.arrayBuffer());
      decoded = await streamSamples(buffer);
    } catch {
      ctx.close().catch(() => undefined);
      setPhase('setup');
      setBusyLabel(null);
      return setError(`“${setup.file.name}” could not be decoded as audio by this browser.`);
    }

    let started: ShareStartResponse;
    try {
      setBusyLabel('Starting the session…');
      started = await startShare(token, code);
    } catch (err) {
      ctx.close().catch(() => undefined);
      setPhase('setup');
      setBusyLabel(null);
      return setError(describeShareError(err, 'start'));
    }
    saveShareToken(token);
    setBusyLabel(null);

    const lyrics = setupRef.current.lrc;
    const streamer = new HostStreamer({
      sessionId: started.sessionId,
      token,
      channels: decoded.channels,
      sampleRate: decoded.sampleRate,
      metadata: () => {
        const s = setupRef.current;
        return {
          ...(s.title.trim() ? { title: s.title.trim() } : {}),
          ...(s.artist.trim() ? { artist: s.artist.trim() } : {}),
          ...(lyrics ? { lyrics, hasSyncedLyrics: isSyncedLyrics(lyrics) } : {}),
        };
      },
      onChange: () => setTick((n) => n + 1),
      onError: (message) => setServerNote(message),
      onEnded: (reason) => {
        stopMonitor();
        setEndedBy(reason);
        setPhase('stopped');
      },
    });
    const session: Live = { started, streamer, ctx, buffer };
    setLive(session);
    setPhase('live');
    streamer.start();
    if (setupRef.current.monitor) startMonitor(session);
  };

  const stop = async () => {
    if (!live) return;
    setPhase('stopping');
    live.streamer.stop();
    stopMonitor();
    try {
      setSummary(await stopShare(normalizeShareToken(setup.token) ?? '', live.started.sessionId));
      setPhase('stopped');
    } catch (err) {
      setError(describeShareError(err, 'stop'));
      setPhase('stopped');
    }
  };

  const onMonitor = (on: boolean) => {
    update({ monitor: on });
    if (!live) return;
    if (on) startMonitor(live);
    else stopMonitor();
  };

  const again = () => {
    setLive(null);
    setSummary(null);
    setEndedBy(null);
    setError(null);
    setServerNote(null);
    update({ code: randomSessionCode() });
    setPhase('setup');
  };

  const busy = phase === 'starting';

  return (
    <div className="share share-host" data-testid="share-host-page" data-phase={phase}>
      <div className="page-head">
        <div>
          <h1 className="page-head__title">Share your music</h1>
          <p className="page-head__text">
            Play a file from this device to listeners, live, with its title, artist and synced lyrics.
          </p>
        </div>
        <Link className="btn btn--ghost" to="/share">
          Listen to a session
        </Link>
      </div>

      {error && (
        <p className="notice notice--error" role="alert" data-testid="share-host-error">
          {error}
        </p>
      )}
      {serverNote && phase === 'live' && (
        <p className="notice notice--error" role="status" data-testid="share-host-server-note">
          The server said: {serverNote}
        </p>
      )}

      {(phase === 'live' || phase === 'stopping') && live && (
        <LiveView
          live={live}
          monitor={setup.monitor}
          onMonitor={onMonitor}
          onStop={() => void stop()}
          stopping={phase === 'stopping'}
        />
      )}

      {phase === 'stopped' && (
        <section className="panel share-host__done" data-testid="share-host-stopped">
          <h2 className="panel__title">
            {endedBy === 'expired'
              ? 'The session expired'
              : endedBy === 'stopped'
                ? 'The session was stopped'
                : 'Sharing stopped'}
          </h2>
          {summary && (
            <p className="panel__text" data-testid="share-host-summary">
              Session {live?.started.sessionId} lasted {formatClock(summary.sessionDuration)} and relayed{' '}
              {formatBytes(summary.bytesTransferred)} of audio.
            </p>
          )}
          <button type="button" className="btn btn--primary" onClick={again} data-testid="share-host-again">
            Share another
          </button>
        </section>
      )}

      {(phase === 'setup' || phase === 'starting') && (
        <form className="panel share-host__form" onSubmit={(e) => void start(e)} noValidate>
          <div className="share-host__grid">
            <div className="field">
              <label className="field__label" htmlFor={`${id}-token`}>
                Share token
              </label>
              <div className="share-code__row">
                <input
                  id={`${id}-token`}
                  className="input"
                  type="password"
                  autoComplete="off"
                  spellCheck={false}
                  autoCapitalize="off"
                  value={setup.token}
                  onChange={(event) => update({ token: event.target.value })}
                  data-testid="share-host-token"
                />
                {setup.token && (
                  <button
                    type="button"
                    className="btn btn--ghost btn--small"
                    onClick={() => {
                      clearShareToken();
                      update({ token: '' });
                    }}
                  >
                    Forget
                  </button>
                )}
              </div>
              <p className="field__hint">
                The server’s <code>BEARER_TOKEN</code>. Remembered on this device once a session starts.
              </p>
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-code`}>
                Code
              </label>
              <div className="share-code__row">
                <input
                  id={`${id}-code`}
                  className="input share-code__input"
                  inputMode="numeric"
                  autoComplete="off"
                  maxLength={9}
                  value={setup.code}
                  onChange={(event) => update({ code: event.target.value })}
                  data-testid="share-host-code-input"
                />
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  onClick={() => update({ code: randomSessionCode() })}
                >
                  New code
                </button>
              </div>
              <p className="field__hint">Six digits listeners type to join.</p>
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-file`}>
                Audio file
              </label>
              <input
                id={`${id}-file`}
                className="input share-host__file"
                type="file"
                accept="audio/*"
                onChange={onFile}
                data-testid="share-host-file"
              />
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-lrc`}>
                Lyrics (.lrc, optional)
              </label>
              <input
                id={`${id}-lrc`}
                className="input share-host__file"
                type="file"
                accept=".lrc,.txt,text/plain"
                onChange={(event) => void onLrc(event)}
                data-testid="share-host-lrc"
              />
              {setup.lrc !== null && (
                <p className="field__hint" data-testid="share-host-lrc-note">
                  {isSyncedLyrics(setup.lrc) ? 'Synced lyrics' : 'Plain lyrics (no time tags)'} from {setup.lrcName}
                </p>
              )}
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-title`}>
                Title
              </label>
              <input
                id={`${id}-title`}
                className="input"
                value={setup.title}
                maxLength={500}
                onChange={(event) => {
                  edited.current.title = true;
                  update({ title: event.target.value });
                }}
                data-testid="share-host-title"
              />
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-artist`}>
                Artist
              </label>
              <input
                id={`${id}-artist`}
                className="input"
                value={setup.artist}
                maxLength={500}
                onChange={(event) => {
                  edited.current.artist = true;
                  update({ artist: event.target.value });
                }}
                data-testid="share-host-artist"
              />
            </div>
          </div>
          <div className="share-host__actions">
            <label className="check-field">
              <input
                type="checkbox"
                checked={setup.monitor}
                onChange={(event) => update({ monitor: event.target.checked })}
              />
              Hear it here too
            </label>
            <button type="submit" className="btn btn--primary" disabled={busy} data-testid="share-host-start">
              {busy ? (busyLabel ?? 'Starting…') : 'Start sharing'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
