// Data of multi-instance activities as SpiffWorkflow reads it: the input
// collection (loopDataInputRef) and element variable (inputDataItem), and
// their output counterparts. Cardinality and completion condition are in
// bpmn-js-properties-panel's own multi-instance group.
import { is } from "bpmn-js/lib/util/ModelUtil";

import { group, textField } from "./entries";

export function multiInstanceGroups(context) {
  const loop = context.bo.get && context.bo.get("loopCharacteristics");
  if (!loop || !is(loop, "bpmn:MultiInstanceLoopCharacteristics")) {
    return [];
  }
  const field = (property, label, type, description) =>
    textField(context, {
      id: `ek-${property}`,
      label,
      description,
      get: () => (loop.get(property) && loop.get(property).id) || "",
      set: (value) =>
        context.editor.update(context.element, loop, {
          [property]: value ? dataReference(context, type, value) : undefined,
        }),
    });
  return [
    group(context, "ek-multi-instance", "Multi-instance data", [
      field(
        "loopDataInputRef",
        "Input collection",
        "bpmn:DataInput",
        "A variable holding a list; one instance runs per item. " +
          "Use either this or a loop cardinality.",
      ),
      field("inputDataItem", "Element variable", "bpmn:DataInput"),
      field("loopDataOutputRef", "Output collection", "bpmn:DataOutput"),
      field("outputDataItem", "Output element variable", "bpmn:DataOutput"),
    ]),
  ];
}

/**
 * SpiffWorkflow names process variables by the id of these data elements,
 * so the variable name is the id (and the name, for readers).
 */
function dataReference(context, type, name) {
  return context.bpmnFactory.create(type, { id: name, name });
}
