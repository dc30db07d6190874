// Live preview of a message template while the admin types (the server renders it with
// sample data in the sandbox; this script only shows the answer, as text).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("template-form");
  var target = document.getElementById("template-preview");
  if (!form || !target || !window.fetch) { return; }
  var timer = null;

  function show(data) {
    target.replaceChildren();
    if (!data.ok) {
      var box = document.createElement("div");
      box.className = "alert alert-danger";
      var list = document.createElement("ul");
      list.className = "mb-0";
      data.problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p;
        list.appendChild(li);
      });
      box.appendChild(list);
      target.appendChild(box);
      return;
    }
    var card = document.createElement("article");
    card.className = "card message-preview";
    card.lang = data.lang;
    card.dir = data.dir;
    var body = document.createElement("div");
    body.className = "card-body";
    var h = document.createElement("h3");
    h.className = "h6";
    h.textContent = data.subject;
    body.appendChild(h);
    data.paragraphs.forEach(function (lines) {
      var p = document.createElement("p");
      lines.forEach(function (line, i) {
        if (i) { p.appendChild(document.createElement("br")); }
        p.appendChild(document.createTextNode(line));
      });
      body.appendChild(p);
    });
    card.appendChild(body);
    target.appendChild(card);
  }

  function update() {
    var data = new FormData(form);
    fetch(form.dataset.previewUrl, {method: "POST", body: data, credentials: "same-origin",
                                    headers: {"X-CSRFToken": data.get("csrf_token") || ""}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { show(d); } })
      .catch(function () { /* the Preview button still works */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 400);
  });
});
