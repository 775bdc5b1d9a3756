// Answering by voice on the interview page (no inline script: the Content-Security-Policy forbids it).
// Record asks for the microphone only when pressed, records with MediaRecorder, shows a timer, stops by
// itself at the limit and uploads on stop; the server transcribes on this machine and the transcript goes
// into the answer box (after what is there) for the candidate to correct and submit. The hidden `recorded`
// field names the held recording: emptying the box clears it, and the answer is then graded as typed.
// "Read the question aloud" uses the browser's own speech synthesis, where there is one.
"use strict";

(function () {
  const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
  let recording = null; // {recorder, stream, root, tick, started, limit}
  let busy = false; // recording or transcribing: the answer waits

  // How the microphone is captured: getUserMedia's constraints and MediaRecorder's bitrate. Measured with
  // benchmarks/voice_browser.py (docs/voice.md, "Through the browser": 8 espeak answers, 322 words, played
  // through Chromium's fake microphone), pooled WER: the WAV file itself 9.6%; {audio: true} (the browser's
  // noise suppression, echo cancellation and auto gain all on) 12.1% at the default bitrate and 12.4% at
  // 128 kbit/s; all three off 9.3% (8.4% at 128 kbit/s); noise suppression alone off, 128 kbit/s, 9.3%.
  // Noise suppression is what separates them, so it is off (Whisper copes with noise itself: white noise at
  // 20 dB SNR costs it about 5 points, docs/voice.md). Echo cancellation stays on: with speakers, "Read the
  // question aloud" would otherwise be recorded. Auto gain stays on for quiet microphones. Each costs
  // within the noise here (3 words of 322 between "all off" and this, both at 128 kbit/s; a rerun of one
  // file moves a few words). 128 kbit/s: 9.6 MB at the 10-minute limit, well under the upload limit; its
  // own gain is within the noise too. The fake microphone is a file, not a microphone in a room: a noisy
  // room without the browser's noise suppression was not measured.
  const CAPTURE = {
    audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: true },
    audioBitsPerSecond: 128000,
  };

  // Test hook, for benchmarks/voice_browser.py only: a script the test injects before the page's own (Playwright's
  // add_init_script) may set window.interviewerCapture = {audio: ..., audioBitsPerSecond: ...} to compare ways of
  // capturing. Nothing the server sends sets it.
  function capture() {
    const hook = window.interviewerCapture;
    return hook && typeof hook === "object" ? hook : CAPTURE;
  }

  function recorderRoot() { return document.querySelector("[data-recorder]"); }
  function answerBox() { return document.getElementById("answer"); }
  function recordedField() { return document.querySelector("[data-recorded]"); }
  function part(root, name) { return root ? root.querySelector("[data-" + name + "]") : null; }

  function say(root, text) {
    const status = part(root, "voice-status");
    if (status) status.textContent = text;
  }

  function fail(root, text) {
    const error = part(root, "voice-error");
    say(root, "");
    if (!error) return;
    error.textContent = text;
    error.hidden = !text;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function chosenType() {
    if (typeof MediaRecorder.isTypeSupported !== "function") return "";
    return TYPES.find(function (t) { return MediaRecorder.isTypeSupported(t); }) || "";
  }

  function extension(type) {
    if (type.indexOf("ogg") >= 0) return "ogg";
    if (type.indexOf("mp4") >= 0) return "m4a";
    if (type.indexOf("wav") >= 0) return "wav";
    return "webm";
  }

  function microphoneProblem(error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "The microphone was not allowed, so nothing was recorded. Allow it for this page in the browser's " +
        "site settings and press Record again, or type your answer.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "No microphone was found. Connect one and press Record again, or type your answer.";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return "The microphone could not be started (another program may be using it). Close that program and " +
        "press Record again, or type your answer.";
    }
    return "The microphone could not be used (" + ((error && error.message) || error) + "). Type your answer instead.";
  }

  function showRecording(root, on) {
    part(root, "record").hidden = on;
    part(root, "record").disabled = false;
    part(root, "stop").hidden = !on;
    part(root, "timer").hidden = !on;
  }

  async function start(root) {
    fail(root, "");
    if (root.dataset.unavailable) { // the voice extra is not installed: say how, never ask for the microphone
      fail(root, root.dataset.unavailable);
      return;
    }
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      fail(root, "This browser lets a page use the microphone only over HTTPS or on this computer " +
        "(http://127.0.0.1): open interviewer there to answer by voice, or type your answer.");
      return;
    }
    if (typeof window.MediaRecorder !== "function") {
      fail(root, "This browser cannot record audio. Type your answer, or use a recent Chrome, Edge, Firefox or Safari.");
      return;
    }
    const button = part(root, "record");
    button.disabled = true;
    say(root, "Asking for the microphone…");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: capture().audio });
    } catch (error) {
      button.disabled = false;
      fail(root, microphoneProblem(error));
      return;
    }
    let recorder;
    try {
      const type = chosenType();
      const options = {};
      if (type) options.mimeType = type;
      if (capture().audioBitsPerSecond) options.audioBitsPerSecond = capture().audioBitsPerSecond;
      recorder = new MediaRecorder(stream, options);
    } catch (error) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      button.disabled = false;
      fail(root, "This browser could not record (" + error.message + "). Type your answer instead.");
      return;
    }
    const chunks = [];
    recorder.addEventListener("dataavailable", function (event) {
      if (event.data && event.data.size) chunks.push(event.data);
    });
    recorder.addEventListener("stop", function () {
      stream.getTracks().forEach(function (t) { t.stop(); });
      clearInterval(recording.tick);
      const seconds = (performance.now() - recording.started) / 1000;
      recording = null;
      const now = recorderRoot() || root; // the form may have been redrawn meanwhile
      showRecording(now, false);
      const type = recorder.mimeType || "audio/webm";
      upload(now, new Blob(chunks, { type: type }), type, seconds);
    });
    const limit = Number(root.dataset.maxSeconds) || 600;
    recording = { recorder: recorder, stream: stream, root: root, started: performance.now(), limit: limit, tick: 0 };
    busy = true;
    recorder.start();
    showRecording(root, true);
    const timer = part(root, "timer");
    timer.textContent = "0:00 of " + clock(limit);
    recording.tick = setInterval(function () {
      const seconds = (performance.now() - recording.started) / 1000;
      timer.textContent = clock(Math.min(seconds, limit)) + " of " + clock(limit);
      if (seconds >= limit - 1) { // a second early: the server refuses a recording longer than the limit
        stop("Stopped at the " + clock(limit) + " limit. ");
      }
    }, 250);
    say(root, "Recording. Answer as you would aloud, then press Stop recording.");
    part(root, "stop").focus();
  }

  let stopNote = "";

  function stop(note) {
    if (!recording || recording.recorder.state === "inactive") return;
    stopNote = note || "";
    recording.recorder.stop(); // its "stop" event uploads
  }

  // How long the transcript will take: about 0.08-0.13 s per second of recording on two cores, plus a second
  // (docs/voice.md, Speed). A ten-minute answer takes most of a minute: say so rather than "a few seconds".
  function wait(seconds) {
    const estimate = 1 + 0.13 * seconds;
    return estimate <= 8 ? "a few seconds" : "about " + Math.ceil(estimate / 5) * 5 + " s";
  }

  async function upload(root, blob, type, seconds) {
    const box = answerBox();
    const field = recordedField();
    const keep = part(root, "keep");
    const form = new FormData();
    form.append("audio", blob, "recording." + extension(type));
    form.append("text", box ? box.value : "");
    form.append("recorded", field ? field.value : "");
    if (keep && keep.checked) form.append("keep", "on");
    say(root, stopNote + "Transcribing… (on this computer, " + wait(seconds || 0) + ")");
    part(root, "record").disabled = true;
    if (box) box.readOnly = true; // what is typed meanwhile would be overwritten by the transcript
    let response = null;
    let data = null;
    try {
      response = await fetch(root.dataset.url, {
        method: "POST",
        body: form,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      data = await response.json().catch(function () { return null; });
    } catch (error) {
      response = null;
    } finally {
      busy = false;
      if (box) box.readOnly = false;
      part(root, "record").disabled = false;
    }
    if (response === null) {
      fail(root, "Lost touch with the server, so the recording was not transcribed. Your answer is as it was: " +
        "record again, or type it.");
      return;
    }
    if (!response.ok || !data || data.error) {
      fail(root, (data && data.error) ||
        "The server refused the recording (" + response.status + "). Your answer is as it was: record again, or type it.");
      return;
    }
    if (box) {
      box.value = data.text;
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
    if (field) field.value = data.recorded;
    const saved = document.getElementById("draft-status");
    if (saved) saved.textContent = "Draft saved";
    let message = data.message;
    if (data.kept) message += " Your recording is kept with this session.";
    const error = part(root, "voice-error");
    error.textContent = data.warning || "";
    error.hidden = !data.warning;
    say(root, message);
  }

  function readAloud(button) {
    const synth = window.speechSynthesis;
    if (synth.speaking || synth.pending) {
      synth.cancel();
      return;
    }
    const target = document.querySelector(button.dataset.readAloud);
    if (!target) return;
    const label = button.textContent;
    const utterance = new SpeechSynthesisUtterance(target.textContent);
    utterance.lang = document.documentElement.lang || "en";
    utterance.addEventListener("end", function () { button.textContent = label; });
    utterance.addEventListener("error", function () { button.textContent = label; });
    button.textContent = "Stop reading";
    synth.speak(utterance);
  }

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-recorder]").forEach(function (r) { r.hidden = false; }); // works with script only
    const speaks = "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
    root.querySelectorAll("[data-read-aloud]").forEach(function (b) { b.hidden = !speaks; });
  }

  document.addEventListener("click", function (event) {
    const record = event.target.closest("[data-record]");
    if (record) {
      start(record.closest("[data-recorder]"));
      return;
    }
    if (event.target.closest("[data-stop]")) {
      stop("");
      return;
    }
    const read = event.target.closest("[data-read-aloud]");
    if (read) readAloud(read);
  });

  // Emptying the box drops the recording's measure: what is submitted then is graded as typed.
  document.addEventListener("input", function (event) {
    if (event.target === answerBox() && !event.target.value.trim()) {
      const field = recordedField();
      if (field) field.value = "";
    }
  });

  // While recording or transcribing, the answer waits (Ctrl+Enter and Submit come here first).
  document.addEventListener("submit", function (event) {
    if (busy && event.target.id === "work") {
      event.preventDefault();
      event.stopImmediatePropagation();
      fail(recorderRoot(), recording
        ? "Stop the recording first: its transcript goes into the box, then you can submit."
        : "Wait for the transcript (a few seconds), then submit.");
    }
  }, true);

  window.addEventListener("pagehide", function () {
    if (recording) recording.stream.getTracks().forEach(function (t) { t.stop(); });
  });

  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt.parentNode || event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
})();
