// A translate service for bpmn-js that looks texts up in the studio's
// `translations` option ({English text: translated text}) before filling
// in {placeholders}, so the page can show the modeler in its language.

function translateWith(translations) {
  return function translate(template, replacements = {}) {
    const text = (translations && translations[template]) || template;
    return text.replace(/{([^}]+)}/g, (whole, key) =>
      key in replacements ? replacements[key] : whole,
    );
  };
}

function createTranslate(config) {
  return translateWith(config && config.translations);
}

createTranslate.$inject = ["config.studio"];

export default {
  translate: ["factory", createTranslate],
};
