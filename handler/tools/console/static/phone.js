// The dev phone: posts what the patient does to the console's JSON endpoints, which sign it
// as Twilio does and send it to the line; this page only shows what comes back.
"use strict";

(function () {
  const root = document.getElementById("phone");
  const log = document.getElementById("log");
  const numberBox = document.getElementById("number");
  const smsForm = document.getElementById("sms-form");
  const message = document.getElementById("message");
  const callControls = document.getElementById("call-controls");
  const callState = document.getElementById("call-state");
  const speechForm = document.getElementById("speech-form");
  const speech = document.getElementById("speech");
  const inCallButtons = () => callControls.querySelectorAll(".key, #silence, #hang-up, #speech, #say");
  let call = null;        // {sid, gather} while a call is up

  function randomDigits(count) {
    const bytes = crypto.getRandomValues(new Uint8Array(count));
    return Array.from(bytes, (b) => String(b % 10)).join("");
  }
  function randomHex(count) {
    const bytes = crypto.getRandomValues(new Uint8Array(count / 2));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  // 555 numbers are fictional: no real patient is ever texted from here.
  function newNumber() {
    numberBox.value = "+1555" + randomDigits(7);
    localStorage.setItem("console.number", numberBox.value);
  }

  function entry(who, text, meta) {
    const item = document.createElement("div");
    item.className = "turn " + who;
    const said = document.createElement("p");
    said.className = "said";
    const speaker = document.createElement("span");
    speaker.className = "who";
    speaker.textContent = { patient: "Patient: ", line: "Line: ", caller: "Caller: ", heard: "Line says: ",
                            note: "" }[who];
    said.append(speaker);
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    said.append(body);
    item.append(said);
    if (meta) {
      const small = document.createElement("p");
      small.className = "meta";
      small.textContent = meta;
      item.append(small);
    }
    log.append(item);
    log.scrollTop = log.scrollHeight;      // the log scrolls, never the page
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
    });
    const answer = await response.json().catch(() => ({ error: "HTTP " + response.status }));
    if (!response.ok) {
      entry("note", "Not sent: " + (answer.error || "HTTP " + response.status));
      return null;
    }
    return answer;
  }

  function showSession(session) {
    document.getElementById("session-key").textContent = session.item ? session.key : session.key + " (nothing stored)";
    document.getElementById("session-opt-out").textContent = session.opted_out ? "yes: opted out (send START to opt back in)" : "no";
    document.getElementById("session-size").textContent = session.size + " bytes";
    document.getElementById("session-disposition").textContent = session.disposition || "not reached";
    const findings = document.getElementById("session-findings");
    findings.replaceChildren();
    for (const finding of session.findings.length ? session.findings : [{ code: null }]) {
      const li = document.createElement("li");
      li.textContent = !finding.code ? "none" : finding.label ? finding.label + " (" + finding.code + ")" : finding.code;
      findings.append(li);
    }
    document.getElementById("session-state").textContent = session.state ? JSON.stringify(session.state) : "none";
    // One attribute a line, as DynamoDB types it: {"S": ...}, {"N": ...}, {"BOOL": ...}
    document.getElementById("session-item").textContent = session.item ?
      Object.keys(session.item).sort().map((name) => name + ": " + JSON.stringify(session.item[name])).join("\n") : "none";
  }

  async function text(body) {
    if (!body.trim()) return;
    entry("patient", body);
    const answer = await post(root.dataset.apiSms, { number: numberBox.value, body: body });
    if (!answer) return;
    if (!answer.replies.length) entry("note", "(no reply)");
    for (const reply of answer.replies) {
      const count = reply.segments + (reply.segments === 1 ? " segment" : " segments");
      entry("line", reply.text, reply.encoding + ", " + count + ", " + reply.text.length + " characters");
    }
    showSession(answer.session);
  }

  function setCall(open) {
    for (const control of inCallButtons()) control.disabled = !open;
    document.getElementById("ring").disabled = open;
    callState.textContent = open ? "On a call: the line is waiting for a key or words." : "No call.";
  }

  async function callTurn(action, said) {
    if (action !== "ring" && !call) return;
    const sid = action === "ring" ? "CA" + randomHex(32) : call.sid;
    const path = action === "silence" ? call.gather.timeout : call && call.gather ? call.gather.action : null;
    const answer = await post(root.dataset.apiCall, { call_sid: sid, number: numberBox.value, action: action,
                                                      path: path, said: said || "" });
    if (!answer) return;
    for (const heard of answer.heard) entry("heard", heard, "spoken");
    showSession(answer.session);
    if (answer.ended || !answer.gather) {
      call = null;
      setCall(false);
      entry("note", action === "hangup" ? "You hung up." : "The line hung up.");
    } else {
      call = { sid: sid, gather: answer.gather };
      setCall(true);
    }
  }

  function silence() {
    if (!call) return;
    entry("caller", "(silence)");
    if (call.gather.timeout) return callTurn("silence");
    // No Redirect after the gather: Twilio goes on with what follows it.
    for (const said of call.gather.after_silence) entry("heard", said, "spoken");
    if (call.gather.hangs_up_after_silence) {
      call = null;
      setCall(false);
      entry("note", "The line hung up.");
    }
  }

  smsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = message.value;
    message.value = "";
    text(body);
  });
  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      smsForm.requestSubmit();
    }
  });
  document.getElementById("restart").addEventListener("click", () => text(root.dataset.restart));
  document.getElementById("opt-out").addEventListener("click", () => text("STOP"));
  document.getElementById("opt-in").addEventListener("click", () => text("START"));
  document.getElementById("new-number").addEventListener("click", () => {
    newNumber();
    log.replaceChildren();
    entry("note", "New number " + numberBox.value + ": a new patient.");
    refreshSession();
  });
  numberBox.addEventListener("change", () => {
    localStorage.setItem("console.number", numberBox.value);
    refreshSession();
  });
  for (const radio of document.querySelectorAll("input[name=channel]")) {
    radio.addEventListener("change", () => {
      const voice = radio.value === "voice" && radio.checked;
      smsForm.hidden = voice;
      callControls.hidden = !voice;
    });
  }
  document.getElementById("ring").addEventListener("click", () => {
    entry("caller", "(calls the line)");
    callTurn("ring");
  });
  document.getElementById("silence").addEventListener("click", silence);
  document.getElementById("hang-up").addEventListener("click", () => {
    entry("caller", "(hangs up)");
    callTurn("hangup");
  });
  for (const key of callControls.querySelectorAll(".key")) {
    key.addEventListener("click", () => {
      entry("caller", "pressed " + key.dataset.key);
      callTurn("press", key.dataset.key);
    });
  }
  speechForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const words = speech.value.trim();
    if (!words) return;
    speech.value = "";
    entry("caller", words);
    callTurn("say", words);
  });

  async function refreshSession() {
    const query = new URLSearchParams({ number: numberBox.value });
    const response = await fetch(root.dataset.apiSession + "?" + query);
    if (response.ok) showSession(await response.json());
  }

  numberBox.value = localStorage.getItem("console.number") || "";
  if (!numberBox.value) newNumber();
  refreshSession();
})();
