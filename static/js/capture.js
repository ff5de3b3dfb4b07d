/* Live capture of workshop inputs: add many inputs without leaving the page.
 *
 * Without this script the page is a plain form (post, redirect back). With it:
 * - Ctrl+Enter (or Cmd+Enter) adds the input; Alt+1…9 ticks a participant;
 * - the form is posted with fetch and the new input is put at the top of the
 *   list; a refusal shows its message by the field and the text stays;
 * - what is typed is kept as a draft in localStorage per workshop and put
 *   back after a reload;
 * - an input that cannot be sent (no connection, session ended) waits in a
 *   local queue and is sent again later. Each input has its own client token,
 *   so sending it twice still makes one input on the server;
 * - a waiting input the server refuses when it is sent goes back into the box
 *   if the box is free, and otherwise waits under "Not accepted" (also kept
 *   in localStorage) with the reason until it is put back into the box.
 */
(function () {
  "use strict";

  var root = document.getElementById("capture");
  var form = document.getElementById("capture-form");
  if (!root || !form || !window.fetch) {
    return;
  }
  var workshop = root.getAttribute("data-workshop");
  var draftKey = "kravspor:capture:" + workshop + ":draft";
  var queueKey = "kravspor:capture:" + workshop + ":queue";
  var refusedKey = "kravspor:capture:" + workshop + ":refused";
  var text = form.elements.namedItem("text");
  var tokenField = form.elements.namedItem("client_token");
  var status = document.getElementById("capture-status");
  var list = document.getElementById("captured-inputs");
  var count = document.getElementById("captured-count");
  var pendingBox = document.getElementById("capture-pending");
  var pendingList = document.getElementById("pending-list");
  var refusedBox = document.getElementById("capture-refused");
  var refusedList = document.getElementById("refused-list");
  var submitButton = document.getElementById("capture-submit");
  var sending = false;
  var flushing = false;
  var retryTimer = null;
  var RETRY_MS = 5000;

  function message(name, number) {
    var template = root.getAttribute("data-msg-" + name) || "";
    return template.replace("%(number)s", number === undefined ? "" : number);
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "capture-status" + (kind ? " capture-status-" + kind : "");
  }

  // Storage ---------------------------------------------------------------

  function load(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value ? JSON.parse(value) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function store(key, value) {
    try {
      if (value === null) {
        window.localStorage.removeItem(key);
      } else {
        window.localStorage.setItem(key, JSON.stringify(value));
      }
    } catch (error) {
      /* A full or blocked storage only costs the draft, not the page. */
    }
  }

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // The form's state as plain data, and back --------------------------------

  function checkedValues(name) {
    return Array.prototype.map.call(
      form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (box) {
        return box.value;
      }
    );
  }

  function snapshot() {
    return {
      text: text.value,
      kind: form.elements.namedItem("kind").value,
      area: form.elements.namedItem("area").value,
      more_organisations: form.elements.namedItem("more_organisations").value,
      organisations: checkedValues("organisations"),
      participants: checkedValues("participants"),
    };
  }

  function restore(state) {
    text.value = state.text || "";
    if (state.kind) {
      form.elements.namedItem("kind").value = state.kind;
    }
    if (state.area !== undefined) {
      form.elements.namedItem("area").value = state.area;
    }
    form.elements.namedItem("more_organisations").value = state.more_organisations || "";
    ["organisations", "participants"].forEach(function (name) {
      var wanted = state[name] || [];
      form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
        box.checked = wanted.indexOf(box.value) !== -1;
      });
    });
  }

  function body(state, token) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.namedItem("csrfmiddlewaretoken").value);
    data.append("client_token", token);
    ["text", "kind", "area", "more_organisations"].forEach(function (name) {
      data.append(name, state[name] || "");
    });
    (state.organisations || []).forEach(function (value) {
      data.append("organisations", value);
    });
    (state.participants || []).forEach(function (value) {
      data.append("participants", value);
    });
    return data;
  }

  function saveDraft() {
    var state = snapshot();
    store(draftKey, state.text.trim() ? state : null);
  }

  function boxIsFree() {
    // Nothing is being typed or ticked for the next input. Kind and area
    // are not counted: they usually stay from the input before.
    return (
      !text.value.trim() &&
      !form.elements.namedItem("more_organisations").value.trim() &&
      !form.querySelector('input[name="organisations"]:checked, input[name="participants"]:checked')
    );
  }

  function clearForNext(sent) {
    // Kind and area usually stay the same for the next input; who raised it
    // usually does not. Anything typed after the input was sent stays.
    var now = text.value;
    text.value = now.indexOf(sent) === 0 ? now.slice(sent.length).replace(/^\s+/, "") : now;
    form.elements.namedItem("more_organisations").value = "";
    form.querySelectorAll('input[name="organisations"], input[name="participants"]').forEach(function (box) {
      box.checked = false;
    });
    saveDraft();
    text.focus();
  }

  // Errors --------------------------------------------------------------------

  function clearErrors() {
    form.querySelectorAll("[data-errors-for]").forEach(function (box) {
      box.textContent = "";
    });
    form.querySelectorAll(".field-error").forEach(function (field) {
      field.classList.remove("field-error");
    });
    text.removeAttribute("aria-invalid");
  }

  function showErrors(errors) {
    clearErrors();
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var box = form.querySelector('[data-errors-for="' + name + '"]') ||
        form.querySelector('[data-errors-for="__all__"]');
      errors[name].forEach(function (error) {
        var item = document.createElement(box.tagName === "UL" ? "li" : "p");
        item.textContent = error.message;
        item.setAttribute("data-code", error.code || "");
        box.appendChild(item);
      });
      var field = box.closest(".field");
      if (field) {
        field.classList.add("field-error");
      }
      if (!first) {
        first = name;
      }
    });
    if (errors.text) {
      text.setAttribute("aria-invalid", "true");
    }
    var focusTarget = first && form.elements.namedItem(first);
    if (focusTarget && focusTarget.focus) {
      focusTarget.focus();
    } else {
      text.focus();
    }
  }

  // The list ------------------------------------------------------------------

  function addToList(html, number) {
    if (list.querySelector('[data-number="' + number + '"]')) {
      return;
    }
    var holder = document.createElement("ol");
    holder.innerHTML = html.trim();
    var item = holder.firstElementChild;
    item.classList.add("captured-new");
    list.insertBefore(item, list.firstElementChild);
    count.textContent = list.children.length;
  }

  // Sending and the queue --------------------------------------------------------

  function post(entry) {
    return window
      .fetch(form.action, {
        method: "POST",
        body: body(entry.state, entry.token),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // A login page or a server error: keep the input and try later.
          return { kind: response.status === 200 || response.status === 403 ? "login" : "retry" };
        }
        return response.json().then(function (data) {
          if (response.ok && data.ok) {
            return { kind: "saved", data: data };
          }
          if (response.status === 400) {
            return { kind: "refused", data: data };
          }
          return { kind: "retry" };
        });
      })
      .catch(function () {
        return { kind: "retry" };
      });
  }

  function queue() {
    return load(queueKey, []);
  }

  function setQueue(entries) {
    store(queueKey, entries.length ? entries : null);
    renderQueue(entries);
  }

  function renderQueue(entries) {
    pendingList.textContent = "";
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.textContent = entry.state.text;
      pendingList.appendChild(item);
    });
    pendingBox.hidden = entries.length === 0;
  }

  // Waiting inputs the server did not accept ------------------------------------

  function refused() {
    return load(refusedKey, []);
  }

  function setRefused(entries) {
    store(refusedKey, entries.length ? entries : null);
    renderRefused(entries);
  }

  function reasons(errors) {
    var all = [];
    Object.keys(errors || {}).forEach(function (name) {
      (errors[name] || []).forEach(function (error) {
        all.push(error);
      });
    });
    return all;
  }

  function renderRefused(entries) {
    refusedList.textContent = "";
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "refused-input";
      var words = document.createElement("p");
      words.className = "input-text";
      words.id = "refused-" + entry.token;
      words.textContent = (entry.state.text || "").trim() ? entry.state.text : message("no-text");
      var why = document.createElement("ul");
      why.className = "errorlist";
      reasons(entry.errors).forEach(function (error) {
        var line = document.createElement("li");
        line.textContent = error.message;
        line.setAttribute("data-code", error.code || "");
        why.appendChild(line);
      });
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = message("put-back");
      button.setAttribute("aria-describedby", words.id);
      button.addEventListener("click", function () {
        putBack(entry.token);
      });
      item.appendChild(words);
      item.appendChild(why);
      item.appendChild(button);
      refusedList.appendChild(item);
    });
    refusedBox.hidden = entries.length === 0;
  }

  function keepRefused(entry, errors) {
    setRefused(
      refused()
        .filter(function (other) {
          return other.token !== entry.token;
        })
        .concat([{ token: entry.token, state: entry.state, errors: errors }])
    );
  }

  function putBack(token) {
    var entries = refused();
    var entry = entries.filter(function (other) {
      return other.token === token;
    })[0];
    if (!entry) {
      // Put back in another tab already.
      renderRefused(entries);
      return;
    }
    if (!boxIsFree()) {
      say(message("box-busy"), "warning");
      return;
    }
    // The box and its draft hold it before the list lets it go.
    restore(entry.state);
    saveDraft();
    setRefused(
      entries.filter(function (other) {
        return other.token !== token;
      })
    );
    showErrors(entry.errors || {});
    say(message("put-back-done"), "info");
    if (document.activeElement === text) {
      text.setSelectionRange(text.value.length, text.value.length);
    }
  }

  function sayRefusals(report) {
    // The status line says where the refused waiting inputs are now.
    if (report.inBox && report.inList) {
      say(message("waiting-refused-both"), "error");
    } else if (report.inList > 1) {
      say(message("waiting-refused-many", report.inList), "error");
    } else if (report.inList) {
      say(message("waiting-refused-list"), "error");
    } else if (report.inBox) {
      say(message("waiting-refused"), "error");
    } else {
      return false;
    }
    return true;
  }

  function scheduleRetry() {
    if (retryTimer === null) {
      retryTimer = window.setTimeout(function () {
        retryTimer = null;
        flush();
      }, RETRY_MS);
    }
  }

  function flush(report) {
    report = report || { inBox: false, inList: 0 };
    var entries = queue();
    if (flushing) {
      return Promise.resolve();
    }
    if (!entries.length) {
      sayRefusals(report);
      return Promise.resolve();
    }
    flushing = true;
    var entry = entries[0];
    return post(entry).then(function (result) {
      flushing = false;
      var rest = queue().filter(function (other) {
        return other.token !== entry.token;
      });
      if (result.kind === "saved") {
        setQueue(rest);
        addToList(result.data.html, result.data.number);
        say(message("added", result.data.number), "ok");
        return flush(report);
      }
      if (result.kind === "refused") {
        // Put the refused input back in the box when nothing is being typed
        // there; otherwise it waits under "Not accepted". Either place holds
        // it before the queue lets it go.
        var errors = result.data.errors || {};
        if (boxIsFree()) {
          restore(entry.state);
          saveDraft();
          showErrors(errors);
          report.inBox = true;
        } else {
          keepRefused(entry, errors);
          report.inList += 1;
        }
        setQueue(rest);
        return flush(report);
      }
      if (!sayRefusals(report)) {
        say(message(result.kind === "login" ? "login" : "queued"), "warning");
      }
      scheduleRetry();
      return undefined;
    });
  }

  function submit() {
    if (sending) {
      return;
    }
    var state = snapshot();
    var token = newToken();
    var entry = { token: token, state: state };
    tokenField.value = token;
    sending = true;
    submitButton.disabled = true;
    say(message("sending"));
    post(entry).then(function (result) {
      sending = false;
      submitButton.disabled = false;
      if (result.kind === "saved") {
        clearErrors();
        addToList(result.data.html, result.data.number);
        say(message(result.data.resent ? "resent" : "added", result.data.number), "ok");
        clearForNext(state.text);
        flush();
      } else if (result.kind === "refused") {
        showErrors(result.data.errors || {});
        say(message("refused"), "error");
      } else {
        // Keep it safe in the queue and free the box for the next input.
        setQueue(queue().concat([entry]));
        clearErrors();
        clearForNext(state.text);
        say(message(result.kind === "login" ? "login" : "queued"), "warning");
        scheduleRetry();
      }
    });
  }

  // Wiring ----------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && /^[1-9]$/.test(event.key)) {
      var box = form.querySelector('input[name="participants"][data-key="' + event.key + '"]');
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        saveDraft();
      }
    }
  });

  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  window.addEventListener("online", function () {
    flush();
  });

  // A page the server re-rendered with a refusal already shows the typed
  // text; only an empty box takes the draft back.
  var draft = load(draftKey, null);
  if (draft && draft.text && !text.value.trim()) {
    restore(draft);
    say(message("draft"), "info");
  }
  renderQueue(queue());
  renderRefused(refused());
  flush();
  text.focus();
  text.setSelectionRange(text.value.length, text.value.length);
})();
