// Copy buttons for complaint fields (progressive enhancement: without JS the text is selectable).
(function () {
  "use strict";
  for (const button of document.querySelectorAll("button.copy[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "已复制";
      } catch {
        field.select();
        button.textContent = "请按 Ctrl+C 复制";
      }
      setTimeout(() => { button.textContent = "复制"; }, 1500);
    });
  }
})();
