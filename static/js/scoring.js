// Scoring page: save one row without reloading the page. Without JavaScript
// each row's Save button posts the form to the same URL and the page comes
// back; this only makes that quicker. The server's answer decides: errors,
// a version conflict (both values shown) and progress come from it.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var saveUrl = form.getAttribute("data-save-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    node.textContent = content;
    return node;
  }

  function clearRow(row) {
    row.classList.remove("score-row-error", "score-row-conflict");
    row.querySelectorAll(".js-error").forEach(function (node) {
      node.remove();
    });
    row.querySelectorAll(".field-error").forEach(function (node) {
      node.classList.remove("field-error");
    });
  }

  function showErrors(row, item, errors) {
    row.classList.add("score-row-error");
    Object.keys(errors).forEach(function (name) {
      var list = document.createElement("ul");
      list.className = "errorlist js-error";
      errors[name].forEach(function (message) {
        list.appendChild(text("li", "", message));
      });
      var input = row.querySelector("[name='" + item + "-" + name + "']");
      var field = input ? input.closest(".field") : null;
      if (field) {
        field.classList.add("field-error");
        field.insertBefore(list, input);
      } else {
        row.querySelector(".score-fields").prepend(list);
      }
    });
  }

  function showConflict(row, conflict) {
    row.classList.add("score-row-conflict");
    var box = document.createElement("div");
    box.className = "error-summary score-conflict js-error";
    box.setAttribute("role", "alert");
    box.appendChild(text("p", "", conflict.message));
    var facts = document.createElement("dl");
    facts.className = "facts conflict";
    facts.appendChild(text("dt", "", form.getAttribute("data-stored-label") || "Stored now"));
    facts.appendChild(text("dd", "conflict-stored", conflict.stored.value + " – " + conflict.stored.justification));
    facts.appendChild(text("dt", "", form.getAttribute("data-yours-label") || "Yours"));
    facts.appendChild(text("dd", "conflict-yours", conflict.yours.value + " – " + conflict.yours.justification));
    box.appendChild(facts);
    row.querySelector(".score-fields").prepend(box);
    // Saving again means: keep mine, knowing what is stored.
    row.querySelector(".score-version").value = conflict.stored.version;
  }

  function updateProgress(done, total) {
    var progress = document.getElementById("page-progress");
    if (!progress || done === null || done === undefined) {
      return;
    }
    // The current section's count in the list of sections moves with it:
    // the row just saved belongs to the section shown.
    var section = document.querySelector("#score-sections li.current .section-done");
    var change = done - Number(progress.getAttribute("data-done"));
    if (section && change) {
      section.textContent = Number(section.textContent) + change;
    }
    progress.setAttribute("data-done", done);
    progress.setAttribute("data-total", total);
    progress.querySelector(".progress-done").textContent = done;
    progress.querySelector(".progress-total").textContent = total;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button.score-save");
    if (!button) {
      return;
    }
    event.preventDefault();
    var item = button.value;
    var row = document.getElementById("row-" + item);
    var status = row.querySelector(".score-status");
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf.value);
    data.append("item", item);
    row.querySelectorAll("input, textarea").forEach(function (input) {
      if (input.name && input.name.indexOf(item + "-") === 0) {
        data.append(input.name, input.value);
      }
    });
    button.disabled = true;
    status.textContent = "…";
    fetch(saveUrl, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (payload) {
          return { status: response.status, payload: payload };
        });
      })
      .then(function (answer) {
        clearRow(row);
        var payload = answer.payload;
        if (payload.ok) {
          row.querySelector(".score-version").value = payload.version;
          status.textContent = payload.message;
          updateProgress(payload.done, payload.total);
          return;
        }
        status.textContent = "";
        if (payload.conflict) {
          showConflict(row, payload.conflict);
        }
        showErrors(row, item, payload.errors || {});
      })
      .catch(function () {
        // Fall back to the plain form post: the page comes back with the result.
        button.disabled = false;
        form.action = saveUrl;
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "item";
        hidden.value = item;
        form.appendChild(hidden);
        form.submit();
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
