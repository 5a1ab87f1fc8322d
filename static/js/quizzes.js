/* Pelita quizzes: progressive enhancement of the attempt page.
 *
 * - Every answer is sent as the learner gives it (one small POST per question) and the question
 *   shows a "Tersimpan" receipt from the server.
 * - Answers not yet confirmed by the server are kept in localStorage and re-sent when the
 *   connection returns (and after a reload); an offline banner says so.
 * - The countdown starts from the seconds the server computed, runs on the monotonic clock, and
 *   re-synchronises with the server every minute. At zero the page submits its answers.
 * Without JavaScript the page still works: "Simpan" and "Kumpulkan" post the whole form.
 */
(function () {
  "use strict";

  // Buttons marked data-once are disabled after the first submit (the server is idempotent anyway).
  document.querySelectorAll("[data-once]").forEach(function (button) {
    var form = button.form;
    if (!form) return;
    form.addEventListener("submit", function () {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  var form = document.getElementById("quiz-form");
  if (!form) return;

  var saveUrl = form.dataset.saveUrl;
  var statusUrl = form.dataset.statusUrl;
  var storeKey = "pelita-quiz-" + form.dataset.attempt;
  var csrfInput = form.querySelector("input[name=csrf_token]");
  var csrf = csrfInput ? csrfInput.value : "";
  var offline = document.getElementById("quiz-offline");
  var closedBox = document.getElementById("quiz-closed");
  var closedText = document.getElementById("quiz-closed-text");
  var msg = {
    saved: form.dataset.msgSaved,
    saving: form.dataset.msgSaving,
    pending: form.dataset.msgPending,
    error: form.dataset.msgError,
    timeup: form.dataset.msgTimeup
  };
  var closed = false;
  var inFlight = {};
  var timers = {};
  var seqBase = Date.now() * 1000;
  var seqCounter = 0;

  function nextSeq() {
    seqCounter += 1;
    return seqBase + seqCounter;
  }

  function loadPending() {
    try {
      return JSON.parse(window.localStorage.getItem(storeKey) || "{}");
    } catch (e) {
      return {};
    }
  }

  function storePending(pending) {
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(storeKey, JSON.stringify(pending));
      } else {
        window.localStorage.removeItem(storeKey);
      }
    } catch (e) { /* storage full or disabled: the request still goes out */ }
  }

  function statusEl(aq) {
    return document.getElementById("status-" + aq);
  }

  function setStatus(aq, text, kind) {
    var el = statusEl(aq);
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("is-pending", kind === "pending");
    el.classList.toggle("is-error", kind === "error");
  }

  function showOffline(show) {
    if (offline) offline.hidden = !show;
  }

  function fieldset(aq) {
    return form.querySelector("fieldset[data-aq='" + aq + "']");
  }

  function collect(aq) {
    var values = {};
    var box = fieldset(aq);
    if (!box) return values;
    box.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name) return;
      if (!(el.name in values)) values[el.name] = [];
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      values[el.name].push(el.value);
    });
    return values;
  }

  function apply(aq, values) {
    var box = fieldset(aq);
    if (!box) return;
    box.querySelectorAll("input, select, textarea").forEach(function (el) {
      var list = values[el.name];
      if (!list) return;
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = list.indexOf(el.value) !== -1;
      } else {
        el.value = list.length ? list[0] : "";
      }
    });
  }

  function timeNow() {
    var d = new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function closeAttempt(message, resultUrl) {
    if (closed) return;
    closed = true;
    if (closedBox) {
      closedText.textContent = message;
      closedBox.hidden = false;
    }
    form.querySelectorAll("input, select, textarea, button").forEach(function (el) {
      if (el.type !== "hidden") el.disabled = true;
    });
    storePending({});
    if (resultUrl) window.setTimeout(function () { window.location.assign(resultUrl); }, 2500);
  }

  function send(aq) {
    if (closed) return Promise.resolve();
    var pending = loadPending();
    var item = pending[aq];
    if (!item || inFlight[aq]) return Promise.resolve();
    inFlight[aq] = item.seq;
    setStatus(aq, msg.saving, "pending");
    return window.fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ question: Number(aq), seq: item.seq, values: item.values })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      delete inFlight[aq];
      if (result.status === 200 && result.data.ok) {
        showOffline(false);
        var now = loadPending();
        if (now[aq] && now[aq].seq === item.seq) {
          delete now[aq];
          storePending(now);
          setStatus(aq, msg.saved + " " + timeNow() + (result.data.receipt ? " · #" + result.data.receipt : ""), "ok");
        } else {
          send(aq);  // changed again while this one was on its way
        }
        if (typeof result.data.remaining === "number") countdown.sync(result.data.remaining);
      } else if (result.status === 409 && result.data.closed) {
        closeAttempt(result.data.message, result.data.result_url);
      } else if (result.status === 400 && result.data.message) {
        setStatus(aq, msg.error + ": " + result.data.message, "error");
      } else {
        setStatus(aq, msg.error, "error");
        showOffline(false);
      }
    }).catch(function () {
      delete inFlight[aq];
      showOffline(true);
      setStatus(aq, msg.pending, "pending");
    });
  }

  function queue(aq) {
    if (closed) return;
    var pending = loadPending();
    pending[aq] = { seq: nextSeq(), values: collect(aq) };
    storePending(pending);
    setStatus(aq, msg.pending, "pending");
    send(aq);
  }

  function flush() {
    var pending = loadPending();
    return Promise.all(Object.keys(pending).filter(function (aq) { return fieldset(aq); }).map(send));
  }

  form.addEventListener("change", function (event) {
    var box = event.target.closest("fieldset[data-aq]");
    if (!box) return;
    var aq = box.dataset.aq;
    window.clearTimeout(timers[aq]);
    queue(aq);
  });

  form.addEventListener("input", function (event) {
    var el = event.target;
    if (el.type === "radio" || el.type === "checkbox" || el.tagName === "SELECT") return;
    var box = el.closest("fieldset[data-aq]");
    if (!box) return;
    var aq = box.dataset.aq;
    window.clearTimeout(timers[aq]);
    // Keep the latest text in the browser at once; send it after a short pause in typing.
    var pending = loadPending();
    pending[aq] = { seq: nextSeq(), values: collect(aq) };
    storePending(pending);
    setStatus(aq, msg.pending, "pending");
    timers[aq] = window.setTimeout(function () { send(aq); }, 800);
  });

  // Enter in a text field saves instead of jumping to another page.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.type === "text") {
      event.preventDefault();
      var box = event.target.closest("fieldset[data-aq]");
      if (box) queue(box.dataset.aq);
    }
  });

  // Answers left unsent (a reload while offline) are newer than the server's: restore and re-send.
  (function restore() {
    var pending = loadPending();
    Object.keys(pending).forEach(function (aq) {
      if (!fieldset(aq)) return;
      apply(aq, pending[aq].values);
      setStatus(aq, msg.pending, "pending");
    });
    flush();
  })();

  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", function () { showOffline(true); });
  window.setInterval(function () {
    if (Object.keys(loadPending()).length) flush();
  }, 15000);

  // Page answers are also posted with the form: nothing unsent is left behind in storage.
  form.addEventListener("submit", function () {
    if (!navigator.onLine) return;  // the post will fail: keep the copies until the server has them
    var pending = loadPending();
    form.querySelectorAll("fieldset[data-aq]").forEach(function (box) { delete pending[box.dataset.aq]; });
    storePending(pending);
  });

  var countdown = (function () {
    var el = document.getElementById("quiz-countdown");
    var timer = document.getElementById("quiz-timer");
    var raw = form.dataset.remaining;
    if (!el || raw === "") return { sync: function () {} };
    var deadline = performance.now() + Number(raw) * 1000;
    var fired = false;

    function render() {
      var left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      el.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (timer) timer.classList.toggle("is-low", left <= 300);
      if (left === 0 && !fired) {
        fired = true;
        timeUp();
      }
    }

    function timeUp() {
      if (closed) return;
      setStatusAll(msg.timeup);
      flush().then(function () {
        var button = document.getElementById("quiz-timeup");
        if (button && !closed) {
          button.hidden = false;
          if (form.requestSubmit) form.requestSubmit(button); else button.click();
        }
      });
    }

    function setStatusAll(text) {
      if (closedBox) {
        closedText.textContent = text;
        closedBox.hidden = false;
      }
    }

    window.setInterval(render, 1000);
    render();

    // Trust the server's clock: resynchronise every minute (sleeping tabs, drifting clocks).
    window.setInterval(function () {
      window.fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          showOffline(false);
          if (data.state && data.state !== "in_progress") {
            closeAttempt(msg.timeup, data.result_url);
          } else if (typeof data.remaining === "number") {
            sync(data.remaining);
          }
        })
        .catch(function () { showOffline(true); });
    }, 60000);

    function sync(seconds) {
      deadline = performance.now() + seconds * 1000;
    }

    return { sync: sync };
  })();
})();
