// The capability report form's checklist, live: the same checks the server makes when the form
// is posted (governance/determinations/forms.py), recomputed as the person edits, so problems show
// before the click. Without JavaScript the server's checklist and field errors say the same.
(function () {
  "use strict";

  var form = document.querySelector("form[data-capability-form]");
  if (!form) return;
  var dataNode = document.getElementById("capability-form-data");
  var data = dataNode ? JSON.parse(dataNode.textContent) : {};
  var levels = data.levels || {};
  var safeguardNames = data.safeguards || {};
  var minStatement = data.minStatement || 20;

  var OUTCOME_LABELS = { below: "Below", cannot_rule_out: "Cannot rule out", crossed: "Crossed" };
  var SERIOUS = { crossed: true, cannot_rule_out: true };
  var CONTRADICTING = { crossed: true, inconclusive: true };
  var MARKS = { done: "✓", fix: "✗", todo: "○", note: "!" };
  var STATUS_LABELS = {
    done: "Done",
    fix: "Fix before saving",
    todo: "To do before submitting",
    note: "Check",
  };

  function field(name) {
    return form.elements.namedItem(name);
  }

  function value(name) {
    var element = field(name);
    return element && element.value !== undefined ? String(element.value).trim() : "";
  }

  function checkedBoxes(name) {
    return Array.prototype.filter.call(
      form.querySelectorAll('input[name="' + name + '"]'),
      function (box) {
        return box.checked;
      }
    );
  }

  function readGroup(fieldset) {
    var prefix = fieldset.getAttribute("data-prefix");
    var attemptsText = value(prefix + "_attempts");
    var attempts = /^\d+$/.test(attemptsText) ? parseInt(attemptsText, 10) : null;
    return {
      node: fieldset,
      code: fieldset.getAttribute("data-code"),
      outcome: value(prefix + "_outcome"),
      evidence: checkedBoxes(prefix + "_evidence"),
      rationale: value(prefix + "_rationale"),
      attemptsText: attemptsText,
      attempts: attempts,
      scaffolding: value(prefix + "_scaffolding"),
      helpfulOnly: value(prefix + "_helpful_only"),
      requiredLevel: fieldset.getAttribute("data-required-level"),
      requiredSafeguards: (fieldset.getAttribute("data-required-safeguards") || "")
        .split(" ")
        .filter(Boolean),
      ruleAttempts: parseInt(fieldset.getAttribute("data-rule-attempts"), 10) || null,
      standing: fieldset.getAttribute("data-standing"),
      standingText: fieldset.getAttribute("data-standing-text"),
    };
  }

  function check() {
    var groups = Array.prototype.map.call(
      form.querySelectorAll("[data-threshold-group]"),
      readGroup
    );
    var found = groups.filter(function (g) {
      return g.outcome;
    });
    var below = found.filter(function (g) {
      return g.outcome === "below";
    });
    var level = levels[value("required_level")] || null;
    var chosen = {};
    checkedBoxes("required_safeguards").forEach(function (box) {
      chosen[box.value] = true;
    });

    var unfound = groups
      .filter(function (g) {
        return (
          !g.outcome && (g.evidence.length || g.rationale || g.attemptsText || g.scaffolding)
        );
      })
      .map(function (g) {
        return g.code + ": you gave evidence or notes but no finding; choose a finding, or clear them.";
      });
    var mismatched = [];
    groups.forEach(function (g) {
      g.evidence.forEach(function (box) {
        var why = box.getAttribute("data-mismatch");
        if (why) mismatched.push(g.code + ": " + why);
      });
    });
    var short = [];
    var needed = {};
    var neededOrder = [];
    found.forEach(function (g) {
      if (!SERIOUS[g.outcome]) return;
      var required = levels[g.requiredLevel];
      if (required && level && level.rank < required.rank) {
        short.push(g.code + " requires at least " + required.name + ".");
      }
      g.requiredSafeguards.forEach(function (pk) {
        if (chosen[pk]) return;
        if (!needed[pk]) {
          needed[pk] = [];
          neededOrder.push(pk);
        }
        needed[pk].push(g.code);
      });
    });
    neededOrder.forEach(function (pk) {
      short.push(needed[pk].join(", ") + " requires " + (safeguardNames[pk] || "a safeguard") + ".");
    });
    var unstated = [];
    below.forEach(function (g) {
      if (g.attempts === null) unstated.push(g.code + ": state the attempts per task.");
      if (!g.scaffolding) unstated.push(g.code + ": state the scaffolding and tools.");
      if (g.helpfulOnly !== "true" && g.helpfulOnly !== "false") {
        unstated.push(g.code + ": say whether a helpful-only snapshot was tested.");
      }
    });
    var contradicted = [];
    var tooFew = [];
    below.forEach(function (g) {
      if (CONTRADICTING[g.standing]) {
        contradicted.push(
          g.code + ": the model's standing is " + g.standingText +
            '; the deciders must justify a "below".'
        );
      }
      if (g.ruleAttempts && g.attempts && g.attempts < g.ruleAttempts) {
        tooFew.push(
          g.code + ": " + g.attempts + " attempts per task stated; the scoring rule needs " +
            g.ruleAttempts + "."
        );
      }
    });

    return {
      groups: groups,
      items: {
        evidence_has_finding: unfound,
        evidence_matches: mismatched,
        has_finding: found.length ? [] : ["No threshold has a finding yet."],
        level_set: level ? [] : ["Choose the resulting required level."],
        level_covers: short,
        below_elicitation: unstated,
        report_elicitation:
          value("elicitation_statement").length >= minStatement
            ? []
            : ["State the report's elicitation (at least a sentence)."],
        below_standing: contradicted,
        attempts_rule: tooFew,
      },
    };
  }

  function statusOf(blocks, problems) {
    if (!problems.length) return "done";
    if (blocks === "save") return "fix";
    if (blocks === "submit") return "todo";
    return "note";
  }

  function render(result) {
    var counts = { fix: 0, todo: 0 };
    Array.prototype.forEach.call(form.querySelectorAll("[data-check]"), function (item) {
      var problems = result.items[item.getAttribute("data-check")];
      if (!problems) return;
      var status = statusOf(item.getAttribute("data-blocks"), problems);
      if (counts[status] !== undefined) counts[status] += 1;
      var key = status + "\n" + problems.join("\n");
      if (item.getAttribute("data-rendered") === key) return;
      // Only a changed item is rewritten, so the live region reads out only what changed.
      item.setAttribute("data-rendered", key);
      item.className = "check-item check-" + status;
      item.querySelector(".check-mark").textContent = MARKS[status];
      item.querySelector(".check-status").textContent = STATUS_LABELS[status];
      var list = item.querySelector(".check-problems");
      while (list.firstChild) list.removeChild(list.firstChild);
      problems.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        list.appendChild(li);
      });
    });
    var summary = form.querySelector("[data-checklist-summary]");
    if (summary) {
      var parts = [];
      if (counts.fix) parts.push(counts.fix + " to fix before saving");
      if (counts.todo) parts.push(counts.todo + " to do before submitting");
      var text = parts.length ? parts.join("; ") + "." : "Ready to submit for internal review.";
      if (summary.textContent !== text) summary.textContent = text;
    }
    result.groups.forEach(function (g) {
      var state = g.node.querySelector("[data-finding-state]");
      var text = OUTCOME_LABELS[g.outcome] || "No finding yet";
      if (state && state.textContent !== text) state.textContent = text;
      var summary = g.node.querySelector("[data-group-summary]");
      if (summary) {
        var wanted = summary.getAttribute(g.outcome ? "data-open-text" : "data-closed-text");
        if (summary.textContent !== wanted) summary.textContent = wanted;
      }
    });
  }

  // Mark existing items as rendered by the server, so the first pass rewrites only what differs.
  var initial = check();
  Array.prototype.forEach.call(form.querySelectorAll("[data-check]"), function (item) {
    var problems = initial.items[item.getAttribute("data-check")] || [];
    var status = statusOf(item.getAttribute("data-blocks"), problems);
    var shown = Array.prototype.map.call(item.querySelectorAll(".check-problems li"), function (li) {
      return li.textContent;
    });
    if (item.classList.contains("check-" + status) && shown.join("\n") === problems.join("\n")) {
      item.setAttribute("data-rendered", status + "\n" + problems.join("\n"));
    }
  });
  render(initial);

  // A tab stop only where the list scrolls within its box (a desktop); not on a phone.
  function fitScrolling() {
    var list = form.querySelector("[data-checklist-list]");
    if (!list) return;
    if (list.scrollHeight > list.clientHeight + 1) list.setAttribute("tabindex", "0");
    else list.removeAttribute("tabindex");
  }
  fitScrolling();
  window.addEventListener("resize", fitScrolling);

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      render(check());
      fitScrolling();
    });
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
