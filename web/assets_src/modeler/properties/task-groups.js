// Groups for what the engine reads from tasks: forms and due dates of user
// tasks, scripts, service operators, called processes and decisions.
import { is } from "bpmn-js/lib/util/ModelUtil";

import { group, select, textArea, textField } from "./entries";
import { findExtension, readProperty, readText } from "./extensions";
import { serviceParametersGroup } from "./parameters-group";

export function taskGroups(context) {
  const { element } = context;
  const groups = [];
  if (is(element, "bpmn:UserTask")) {
    groups.push(formGroup(context), dueGroup(context));
  }
  if (is(element, "bpmn:ScriptTask")) {
    groups.push(scriptGroup(context));
  }
  if (is(element, "bpmn:ServiceTask")) {
    groups.push(serviceGroup(context), serviceParametersGroup(context));
  }
  if (is(element, "bpmn:CallActivity")) {
    groups.push(calledElementGroup(context));
  }
  if (is(element, "bpmn:BusinessRuleTask")) {
    groups.push(decisionGroup(context));
  }
  if (is(element, "bpmn:Activity")) {
    groups.push(prePostScriptGroup(context));
  }
  return groups;
}

function propertyAccess(context, name) {
  const { element, bo, editor } = context;
  return {
    get: () => readProperty(bo, name),
    set: (value) => editor.setProperty(element, bo, name, value),
  };
}

function formGroup(context) {
  return group(context, "ek-form", "Form", [
    select(context, {
      id: "ek-formKey",
      label: "Form",
      choices: context.options.forms,
      ...propertyAccess(context, "formKey"),
    }),
  ]);
}

function dueGroup(context) {
  const roles = context.options.roles;
  return group(context, "ek-due", "Due date (SLA)", [
    textField(context, {
      id: "ek-dueIn",
      label: "Due in",
      description: "ISO 8601 duration, e.g. P5D.",
      ...propertyAccess(context, "dueIn"),
    }),
    select(context, {
      id: "ek-dueCalendar",
      label: "Count days as",
      choices: ["working", "calendar"],
      blank: "(process default)",
      ...propertyAccess(context, "dueCalendar"),
    }),
    textField(context, {
      id: "ek-remindBefore",
      label: "Remind before",
      description: "ISO 8601 duration before the due date, e.g. P1D.",
      ...propertyAccess(context, "remindBefore"),
    }),
    select(context, {
      id: "ek-escalateTo",
      label: "Escalate to role",
      choices: roles,
      blank: "(process default)",
      ...propertyAccess(context, "escalateTo"),
    }),
    select(context, {
      id: "ek-reassignTo",
      label: "Reassign to role",
      choices: roles,
      blank: "(nobody)",
      ...propertyAccess(context, "reassignTo"),
    }),
  ]);
}

function scriptGroup(context) {
  const { element, bo, modeling } = context;
  return group(context, "ek-script", "Script", [
    textArea(context, {
      id: "ek-script",
      label: "Python script",
      get: () => bo.get("script") || "",
      set: (value) =>
        modeling.updateProperties(element, {
          script: value || undefined,
          scriptFormat: bo.get("scriptFormat"),
        }),
    }),
  ]);
}

function prePostScriptGroup(context) {
  const { element, bo, editor } = context;
  const access = (type) => ({
    get: () => readText(bo, type),
    set: (value) => editor.setText(element, bo, type, value),
  });
  return group(context, "ek-prepost", "Scripts before and after", [
    textArea(context, {
      id: "ek-preScript",
      label: "Before the task",
      ...access("spiffworkflow:PreScript"),
    }),
    textArea(context, {
      id: "ek-postScript",
      label: "After the task",
      ...access("spiffworkflow:PostScript"),
    }),
  ]);
}

function serviceGroup(context) {
  const { element, bo, editor } = context;
  const type = "spiffworkflow:ServiceTaskOperator";
  const operator = () => findExtension(bo, type);
  const ensure = () => operator() || editor.ensure(element, bo, type);
  return group(context, "ek-service", "Service operator", [
    select(context, {
      id: "ek-operator",
      label: "Operator",
      choices: context.options.operators,
      get: () => (operator() && operator().get("id")) || "",
      set: (value) => {
        if (!value && operator()) {
          editor.remove(element, bo, operator());
          return;
        }
        if (value) {
          editor.update(element, ensure(), { id: value });
        }
      },
    }),
    textField(context, {
      id: "ek-resultVariable",
      label: "Result variable",
      get: () => (operator() && operator().get("resultVariable")) || "",
      set: (value) =>
        editor.update(element, ensure(), {
          resultVariable: value || undefined,
        }),
    }),
  ]);
}

function calledElementGroup(context) {
  const { element, bo, modeling } = context;
  const access = {
    get: () => bo.get("calledElement") || "",
    set: (value) =>
      modeling.updateProperties(element, { calledElement: value || undefined }),
  };
  const processes = context.options.processes;
  const id = "ek-calledElement";
  const entry = processes.length
    ? select(context, { id, label: "Process", choices: processes, ...access })
    : textField(context, { id, label: "Process id", ...access });
  return group(context, "ek-call", "Called process", [entry]);
}

function decisionGroup(context) {
  const { element, bo, editor } = context;
  return group(context, "ek-decision", "Decision", [
    textField(context, {
      id: "ek-calledDecisionId",
      label: "Decision id",
      get: () => readText(bo, "spiffworkflow:CalledDecisionId"),
      set: (value) =>
        editor.setText(element, bo, "spiffworkflow:CalledDecisionId", value),
    }),
  ]);
}
