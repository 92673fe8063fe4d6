// Intake pages (companion/intake/views.py): the drop page for phone screenshots and the
// screen-region picker. Plain script, no framework; everything shown is Chinese.
(function () {
  "use strict";

  // ---- /import: each file is sent as JSON; a file without a time asks for one.
  const drop = document.getElementById("drop");
  if (drop) {
    const input = document.getElementById("files");
    const list = document.getElementById("results");
    const campaign = document.getElementById("campaign");
    const SOURCE = { exif: "照片 EXIF", file_name: "文件名", user: "你填写的时间" };

    const toBase64 = (file) => new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });

    // The companion answers JSON; anything else (a proxy, an old companion) still gets a Chinese reason.
    const answerOf = async (resp) => {
      const text = await resp.text();
      try {
        return JSON.parse(text);
      } catch {
        return { message: resp.status === 413 ? "文件太大，无法导入。" : `助手返回了无法识别的回答（${resp.status}）。` };
      }
    };

    const send = async (file, item, takenAt) => {
      item.textContent = `${file.name}：正在导入…`;
      let answer;
      try {
        const body = { name: file.name, data_base64: await toBase64(file), campaign: campaign.value.trim() };
        if (takenAt) body.taken_at = takenAt;
        const proof = document.getElementById("friend-proof");
        if (proof && proof.checked) {
          body.friend_proof = true;
          body.friend = document.getElementById("friend").value.trim();
        }
        const resp = await fetch("import/file", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
        });
        answer = { status: resp.status, data: await answerOf(resp) };
      } catch (err) {
        item.textContent = `✗ ${file.name}：无法连接助手（${err}）`;
        return;
      }
      if (answer.status === 201 || answer.status === 200) {
        item.className = "ok";
        item.textContent = `✓ ${file.name}：已存证，时间来自${SOURCE[answer.data.time_source] || answer.data.time_source}` +
          (answer.status === 200 ? "（之前已导入）" : "") + "。";
        const link = document.createElement("a");
        link.href = `campaigns/${answer.data.campaign_id}`;
        link.textContent = "查看活动";
        item.append(" ", link);
      } else if (answer.data.error === "time_unknown") {
        askTime(file, item);
      } else {
        item.className = "bad";
        item.textContent = `✗ ${file.name}：${answer.data.message || "导入失败"}`;
      }
    };

    const askTime = (file, item) => {
      item.className = "ask";
      item.textContent = `${file.name}：照片信息和文件名里都没有截图时间，请填写：`;
      const when = document.createElement("input");
      when.type = "datetime-local";
      when.step = "1";
      when.setAttribute("aria-label", `${file.name} 的截图时间`);
      const ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = "导入";
      ok.addEventListener("click", () => {
        if (!when.value) { when.focus(); return; }
        const local = new Date(when.value);
        const offset = -local.getTimezoneOffset();
        const sign = offset >= 0 ? "+" : "-";
        const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
        const stamp = `${when.value.length === 16 ? when.value + ":00" : when.value}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
        send(file, item, stamp);
      });
      item.append(" ", when, " ", ok);
    };

    const accept = (files) => {
      for (const file of files) {
        const item = document.createElement("li");
        list.append(item);
        send(file, item, null);
      }
    };
    input.addEventListener("change", () => { accept(input.files); input.value = ""; });
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      accept(e.dataTransfer.files);
    });
  }

  // ---- /watch: drag a rectangle on a picture of the screen; the command follows it.
  const grab = document.getElementById("grab");
  if (grab) {
    const img = document.getElementById("screen");
    const stage = document.getElementById("stage");
    const rect = document.getElementById("rect");
    const cmd = document.getElementById("cmd");
    const every = document.getElementById("every");
    const name = document.getElementById("wcampaign");
    const status = document.getElementById("grab-status");
    let origin = [0, 0];
    let region = null;
    let start = null;

    const command = () => {
      const r = region ? region.join(",") : "X,Y,宽,高";
      const camp = name.value.trim() ? ` --campaign "${name.value.trim().replace(/"/g, "")}"` : "";
      cmd.value = `${cmd.dataset.command || "scripts/start watch"} --region ${r} --every ${every.value}${camp}`;
    };
    every.addEventListener("change", command);
    name.addEventListener("input", command);

    grab.addEventListener("click", async () => {
      status.textContent = "正在截取…";
      const resp = await fetch(`watch/screen.png?t=${Date.now()}`);
      if (!resp.ok) {
        const data = await resp.json().catch(() => ({}));
        status.textContent = data.message || "无法截取屏幕。";
        return;
      }
      origin = (resp.headers.get("X-Screen-Origin") || "0,0").split(",").map(Number);
      const blob = await resp.blob();  // shown as a data: URL, which the page's CSP allows (blob: is not)
      img.src = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.readAsDataURL(blob);
      });
      await img.decode().catch(() => {});
      stage.hidden = false;
      status.textContent = "在截图上按住鼠标拖出投屏窗口的范围。";
    });

    const point = (e) => {
      const box = img.getBoundingClientRect();
      const sx = img.naturalWidth / box.width;
      const sy = img.naturalHeight / box.height;
      return {
        x: Math.max(0, Math.min(img.naturalWidth, Math.round((e.clientX - box.left) * sx))),
        y: Math.max(0, Math.min(img.naturalHeight, Math.round((e.clientY - box.top) * sy))),
        sx, sy,
      };
    };
    const show = (a, b) => {
      const x = Math.min(a.x, b.x);
      const y = Math.min(a.y, b.y);
      const w = Math.abs(a.x - b.x);
      const h = Math.abs(a.y - b.y);
      Object.assign(rect.style, { left: `${x / b.sx}px`, top: `${y / b.sy}px`, width: `${w / b.sx}px`, height: `${h / b.sy}px` });
      rect.hidden = false;
      return [x + origin[0], y + origin[1], w, h];
    };
    img.addEventListener("pointerdown", (e) => { e.preventDefault(); start = point(e); img.setPointerCapture(e.pointerId); });
    img.addEventListener("pointermove", (e) => { if (start) show(start, point(e)); });
    img.addEventListener("pointerup", (e) => {
      if (!start) return;
      const r = show(start, point(e));
      start = null;
      if (r[2] >= 10 && r[3] >= 10) {
        region = r;
        status.textContent = `已选择：左 ${r[0]}，上 ${r[1]}，宽 ${r[2]}，高 ${r[3]}（像素）。`;
        command();
      }
    });
  }
})();
