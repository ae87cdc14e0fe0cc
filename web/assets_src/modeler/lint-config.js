// bpmnlint for bpmn-js-bpmnlint. The rule modules are gathered at build
// time (see the bpmnlint-rules plugin in build.mjs).
import { cache } from "bpmnlint-rules";

/** bpmnlint's own configuration, used when the studio passes none. */
export const RECOMMENDED = { extends: "bpmnlint:recommended" };

const resolver = {
  resolveRule(pkg, name) {
    return lookup("rule", pkg, name);
  },
  resolveConfig(pkg, name) {
    return lookup("config", pkg, name);
  },
};

function lookup(kind, pkg, name) {
  const found = cache[`${kind}:${pkg}/${name}`];
  if (!found) {
    throw new Error(
      `The canvas lint has no ${kind} ${pkg}/${name}; ` +
        "only bpmnlint's own rules and configs are built in.",
    );
  }
  return found;
}

/**
 * The linter setup for a bpmnlint configuration such as the content of
 * processes/.bpmnlintrc: {extends, rules: {name: "error"|"warn"|"off"}}.
 */
export function linterConfig(config) {
  return { config: config || RECOMMENDED, resolver };
}

/**
 * Flatten bpmnlint's issues ({rule: [report]}) into the problem shape the
 * studio uses for server problems too.
 */
export function flattenIssues(issues) {
  const problems = [];
  for (const [rule, reports] of Object.entries(issues)) {
    for (const report of reports) {
      problems.push({
        element: report.id,
        message: report.message,
        severity: report.category === "warn" ? "warning" : report.category,
        rule,
      });
    }
  }
  return problems;
}
