// interviewer's only script (no inline script: the Content-Security-Policy forbids it).
// Ctrl+Enter submits the answer; a grading block follows its server-sent events to the feedback.
"use strict";

document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches("textarea")) {
    const form = event.target.closest("form");
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
  }
});

document.addEventListener("click", function (event) {
  const link = event.target.closest("[data-repeat]");
  if (link) {
    event.preventDefault();
    const question = document.getElementById("question-text");
    question.scrollIntoView({ block: "start" });
    question.focus();
  }
});

function followGrading(root) {
  const block = root.matches && root.matches("[data-events]") ? root : root.querySelector && root.querySelector("[data-events]");
  if (!block || block.dataset.following) return;
  block.dataset.following = "yes";
  const line = block.querySelector("[data-progress]");
  const failed = block.querySelector("[data-failed]");
  const source = new EventSource(block.dataset.events);
  source.addEventListener("progress", function (event) { line.textContent = JSON.parse(event.data); });
  source.addEventListener("done", function (event) {
    source.close();
    line.textContent = "Graded.";
    window.location.assign(JSON.parse(event.data));
  });
  source.addEventListener("failed", function (event) {
    source.close();
    line.textContent = "";
    failed.textContent = JSON.parse(event.data);
    failed.hidden = false;
  });
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      failed.textContent = "Lost touch with the server. Your answer is saved: reload the page.";
      failed.hidden = false;
    }
  };
}

document.addEventListener("htmx:load", function (event) { followGrading(event.detail.elt); });
document.addEventListener("DOMContentLoaded", function () { followGrading(document.body); });
