// Groups for sequence flow conditions, gateway default flows and lanes.
import { is } from "bpmn-js/lib/util/ModelUtil";

import { group, select, textArea } from "./entries";

export function flowGroups(context) {
  const { element } = context;
  const groups = [];
  if (is(element, "bpmn:SequenceFlow") && hasConditions(element.source)) {
    groups.push(conditionGroup(context));
  }
  if (hasConditions(element) && !is(element, "bpmn:Activity")) {
    groups.push(defaultFlowGroup(context));
  }
  if (is(element, "bpmn:Lane")) {
    groups.push(laneGroup(context));
  }
  return groups;
}

function hasConditions(node) {
  return Boolean(node) && (
    is(node, "bpmn:ExclusiveGateway") ||
    is(node, "bpmn:InclusiveGateway") ||
    is(node, "bpmn:ComplexGateway") ||
    is(node, "bpmn:Activity")
  );
}

function conditionGroup(context) {
  const { element, bo, modeling, bpmnFactory } = context;
  return group(context, "ek-condition", "Condition", [
    textArea(context, {
      id: "ek-conditionExpression",
      label: "Python expression",
      description: "Leave empty for the default flow of the gateway.",
      get: () => {
        const expression = bo.get("conditionExpression");
        return (expression && expression.get("body")) || "";
      },
      set: (value) => {
        const expression = value
          ? bpmnFactory.create("bpmn:FormalExpression", { body: value })
          : undefined;
        modeling.updateProperties(element, { conditionExpression: expression });
      },
    }),
  ]);
}

function defaultFlowGroup(context) {
const { element, bo, modeling } = context;
const outgoing = bo.get("outgoing") || [];
  return group(context, "ek-default-flow", "Default flow", [
    select(context, {
      id: "ek-default",
      label: "Taken when no condition holds",
      choices: outgoing.map((flow) => flow.id),
      get: () => (bo.get("default") && bo.get("default").id) || "",
      set: (value) =>
        modeling.updateProperties(element, {
          default: outgoing.find((flow) => flow.id === value),
        }),
    }),
  ]);
}

function laneGroup(context) {
const { element, bo, modeling } = context;
  return group(context, "ek-lane", "Role", [
    select(context, {
      id: "ek-laneRole",
      label: "Lane name (the role that works its tasks)",
      choices: context.options.roles,
      get: () => bo.get("name") || "",
      set: (value) =>
        modeling.updateProperties(element, { name: value || undefined }),
    }),
  ]);
}
