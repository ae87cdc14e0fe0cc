// window.EkFormEditor: the form-js editor with a live preview that fills
// the form with example data, re-rendered after every change.
import { Form, FormEditor } from "@bpmn-io/form-js";

class FormEditorHandle {
  constructor(editor, preview, data) {
    this.editor = editor;
    this.preview = preview;
    this.data = data || {};
    this.rendering = Promise.resolve();
    editor.on("changed", () => this.renderPreview());
  }

  /** The edited form definition (form-js JSON). */
  getSchema() {
    return this.editor.saveSchema();
  }

  async importSchema(schema) {
    const result = await this.editor.importSchema(schema);
    await this.renderPreview();
    return result.warnings;
  }

  /** Use `data` as the preview's example data and render it again. */
  setData(data) {
    this.data = data || {};
    return this.renderPreview();
  }

  /** What the preview form would submit: {data, errors}. */
  submitPreview() {
    return this.preview ? this.preview.submit() : { data: {}, errors: {} };
  }

  /** Call `callback` after every edit of the form definition. */
  on(event, callback) {
    if (event !== "changed") {
      throw new Error(`Unknown form editor event "${event}"; use "changed".`);
    }
    this.editor.on("changed", () => callback(this));
  }

  /**
   * Render the preview. Renders queue up so a quick series of edits
   * always ends with the newest definition on screen.
   */
  renderPreview() {
    if (!this.preview) {
      return Promise.resolve();
    }
    this.rendering = this.rendering
      .catch(() => {})
      .then(() => this.preview.importSchema(this.getSchema(), this.data));
    return this.rendering;
  }

  destroy() {
    this.editor.destroy();
    if (this.preview) {
      this.preview.destroy();
    }
  }
}

export async function createFormEditor(container, options = {}) {
  const editor = new FormEditor({ container });
  const preview = options.previewElement
    ? new Form({ container: options.previewElement })
    : null;
  const handle = new FormEditorHandle(editor, preview, options.data);
  await handle.importSchema(options.schema || emptySchema());
  return handle;
}

function emptySchema() {
  return { type: "default", components: [], schemaVersion: 16 };
}
