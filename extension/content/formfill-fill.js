/*
 * Bargain Witness form filler, part 2 of 4: setting the values (docs/formfill.md, "Filling").
 *
 * A value is set with the element's native setter and announced with bubbling input/change events,
 * so that the page's own framework (a Vue v-model, React, plain listeners) takes it. 12315 blocks
 * paste in its inputs, which is why the value is set directly and never goes through the
 * clipboard. The form is NEVER submitted: nothing here clicks a button of the page, calls submit()
 * or requestSubmit(), or presses Enter.
 */
(function () {
  "use strict";

  const FF = globalThis.BargainWitnessFormFill;
  const { normalise, matchFields } = FF;
  const PLACEHOLDER_OPTION = /^(请选择|请选|选择|--|—|-)/;

  // ---------------------------------------------------------------- filling

  const SETTERS = {
    INPUT: Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set,
    TEXTAREA: Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set,
    SELECT: Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set,
  };

  /**
   * Set the value the way typing would leave it: the native setter (bypassing any framework's own
   * instance-level `value` property), then bubbling input and change events, then blur (so forms
   * that validate on blur clear their "请输入…" message). No focus(), no key events, no Enter.
   */
  function setNativeValue(el, value) {
    SETTERS[el.tagName].call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    el.dispatchEvent(new FocusEvent("blur"));
  }

  /** The <option> a value names: same text, else the longest option text inside the value, or v.v. */
  function pickOption(select, value) {
    const want = normalise(value);
    const options = Array.from(select.options).filter((o) => {
      const text = normalise(o.text);
      return !o.disabled && text && !(o.value === "" && PLACEHOLDER_OPTION.test(text));
    });
    const exact = options.find((o) => normalise(o.text) === want);
    if (exact) return exact;
    const inside = options
      .filter((o) => want.includes(normalise(o.text)) || normalise(o.text).includes(want))
      .sort((a, b) => normalise(b.text).length - normalise(a.text).length);
    return inside[0] || null;
  }

  function controlName(match) {
    const label = match.labels.find((l) => !l.exactOnly);
    return match.control.getAttribute("aria-label") || (label ? label.text : "") || match.field.label;
  }

  /** Did the value stick? A number box may show "99" for "99.00" after the page re-renders. */
  function sameValue(control, expect) {
    const now = control.value;
    if (now === expect) return true;
    return control.type === "number" && now !== "" && expect !== "" && Number(now) === Number(expect);
  }

  function nextFrame() {
    return new Promise((resolve) => setTimeout(resolve, 50));
  }

  /**
   * Fill `draft.fields` into the page. Returns {filled, manual, attachments}: filled fields with the
   * page label they went into; fields for the user to do by hand with the reason (empty in the
   * draft, not on the page, a read-only picker, no such option, refused by the page); the evidence
   * files to upload. Never submits anything.
   */
  async function fillDraft(draft, root) {
    const fields = (draft.fields || []).filter((f) => f && f.label);
    const matches = matchFields(fields, root || document);
    const filled = [];
    const manual = [];
    const written = [];
    for (const m of matches) {
      const { field, control } = m;
      const value = String(field.value || "");
      if (!control) {
        manual.push({ ...field, reason: value ? "not_found" : "empty" });
        continue;
      }
      const where = controlName(m);
      if (!value) {
        manual.push({ ...field, reason: "empty", where });
        continue;
      }
      if (control.readOnly) {
        manual.push({ ...field, reason: "readonly", where });
        continue;
      }
      if (control.tagName === "SELECT") {
        const option = pickOption(control, value);
        if (!option) {
          manual.push({ ...field, reason: "no_option", where });
          continue;
        }
        setNativeValue(control, option.value);
        written.push({ m, expect: option.value, entry: { ...field, where, value: option.text.trim() } });
        continue;
      }
      let text = value;
      let truncated = 0;
      if (control.maxLength > 0 && text.length > control.maxLength) {
        truncated = control.maxLength;
        text = text.slice(0, control.maxLength);
      }
      if (control.tagName === "INPUT" && !field.multiline) text = text.replace(/\s*\n\s*/g, " ");
      setNativeValue(control, text);
      written.push({ m, expect: text, entry: { ...field, where, value: text, truncated } });
    }
    // Give the page's framework a moment to re-render, then keep only what stuck: a form that did
    // not take the value (its model rejected it, a date box refused the format) shows it again.
    await nextFrame();
    for (const w of written) {
      if (w.m.control.isConnected && sameValue(w.m.control, w.expect)) filled.push(w.entry);
      else manual.push({ ...w.entry, value: w.m.field.value, reason: "rejected" });
    }
    const order = new Map(fields.map((f, i) => [f.key, i]));
    manual.sort((a, b) => order.get(a.key) - order.get(b.key));
    return { filled, manual, attachments: draft.attachments || [] };
  }

  Object.assign(FF, { pickOption, fillDraft });
})();
