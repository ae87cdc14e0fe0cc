// The parameters of a service task operator as a list: one item per
// spiffworkflow:parameter, each with its name and Python expression.
import { ListGroup } from "@bpmn-io/properties-panel";

import { textArea, textField } from "./entries";
import { findExtension } from "./extensions";

export function serviceParametersGroup(context) {
  const { element, bo, editor, bpmnFactory } = context;
  const operator = findExtension(bo, "spiffworkflow:ServiceTaskOperator");
  const container = operator && operator.get("parameters");
  const parameters = (container && container.get("values")) || [];

  const items = parameters.map((parameter, index) => {
    const prefix = `ek-parameter-${index}`;
    return {
      id: prefix,
      label: parameter.get("id") || context.translate("(unnamed)"),
      autoFocusEntry: `${prefix}-name`,
      entries: [
        textField(context, {
          id: `${prefix}-name`,
          label: "Name",
          get: () => parameter.get("id") || "",
          set: (value) => editor.update(element, parameter, { id: value }),
        }),
        textArea(context, {
          id: `${prefix}-value`,
          label: "Value (Python expression)",
          get: () => parameter.get("value") || "",
          set: (value) => editor.update(element, parameter, { value }),
        }),
      ],
      remove: (event) => {
        event.stopPropagation();
        editor.update(element, container, {
          values: container.get("values").filter((item) => item !== parameter),
        });
      },
    };
  });

  function add(event) {
    event.stopPropagation();
    const owner =
      operator ||
      editor.ensure(element, bo, "spiffworkflow:ServiceTaskOperator");
    let list = owner.get("parameters");
    if (!list) {
      list = bpmnFactory.create("spiffworkflow:Parameters", { values: [] });
      list.$parent = owner;
      editor.update(element, owner, { parameters: list });
    }
    const parameter = bpmnFactory.create("spiffworkflow:Parameter", {
      id: `parameter_${list.get("values").length + 1}`,
      type: "any",
      value: "",
    });
    parameter.$parent = list;
    editor.update(element, list, { values: [...list.get("values"), parameter] });
  }

  return {
    id: "ek-parameters",
    label: context.translate("Operator parameters"),
    component: ListGroup,
    items,
    add,
  };
}
