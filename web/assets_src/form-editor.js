// Entry of the form-editor bundle: window.EkFormEditor.
import "@bpmn-io/form-js/dist/assets/form-js.css";
import "@bpmn-io/form-js/dist/assets/form-js-editor.css";
import "@bpmn-io/form-js/dist/assets/properties-panel.css";

import { createFormEditor } from "./forms/form-editor";

window.EkFormEditor = { create: createFormEditor };
