// Entry descriptions for @bpmn-io/properties-panel groups. A group renders
// each entry as its `component` with the entry itself as props, so an entry
// carries everything the input needs (value getter, setter, debounce).
import {
  Group,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";

/** A plain group of entries under a translated label. */
export function group(context, id, label, entries) {
  return { id, label: context.translate(label), component: Group, entries };
}

export function textField(context, { id, label, get, set, description }) {
  return {
    id,
    element: context.element,
    component: TextFieldEntry,
    isEdited: isTextFieldEntryEdited,
    label: context.translate(label),
    description: description && context.translate(description),
    getValue: get,
    setValue: set,
    debounce: context.debounce,
  };
}

export function textArea(context, { id, label, get, set, description }) {
  return {
    id,
    element: context.element,
    component: TextAreaEntry,
    isEdited: isTextAreaEntryEdited,
    label: context.translate(label),
    description: description && context.translate(description),
    getValue: get,
    setValue: set,
    debounce: context.debounce,
    monospace: true,
    rows: 3,
    autoResize: true,
  };
}

/**
 * A select over `choices` (strings). The current value stays selectable even
 * when it is not a choice, marked as unknown, so opening the panel never
 * silently changes a diagram.
 */
export function select(context, { id, label, get, set, choices, blank }) {
  return {
    id,
    element: context.element,
    component: SelectEntry,
    isEdited: isSelectEntryEdited,
    label: context.translate(label),
    getValue: () => get() || "",
    setValue: (value) => set(value || ""),
    getOptions: () => options(context.translate, choices, get(), blank),
  };
}

function options(translate, choices, current, blank) {
  const list = [{ value: "", label: translate(blank || "(none)") }];
  for (const choice of choices) {
    list.push({ value: choice, label: choice });
  }
  if (current && !choices.includes(current)) {
    const label = translate("{value} (unknown)", { value: current });
    list.push({ value: current, label });
  }
  return list;
}
