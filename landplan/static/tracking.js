// tracking.html: each project's popup (its stages, deadlines and units) and tooltip,
// from the page's data (landplan/tracking.py). Plain ES5; text from the data is put
// on screen with textContent.
var lpTrack = {
  data: null,
  el: function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  },
  popup: function (pid) {
    var el = lpTrack.el, t = lpTrack.data.text, p = lpTrack.data.projects[pid];
    var box = el('div', null, 'lp-track'), table = el('table'), head = el('tr');
    box.appendChild(el('b', pid + ' ' + p.name));
    box.appendChild(el('br'));
    box.appendChild(document.createTextNode(t.parcel_id + ': ' + p.parcel_id));
    box.appendChild(el('br'));
    box.appendChild(document.createTextNode(t.reached + ': ' + p.reached));
    for (var h = 0; h < t.columns.length; h++) { head.appendChild(el('th', t.columns[h])); }
    table.appendChild(head);
    for (var i = 0; i < p.rows.length; i++) {
      var row = p.rows[i], tr = el('tr', null, row[5] ? 'lp-overdue' : null);
      for (var k = 0; k < 5; k++) { tr.appendChild(el('td', row[k])); }
      table.appendChild(tr);
    }
    box.appendChild(table);
    return box;
  },
  start: function (data) {
    lpTrack.data = data;
    lpPrint.watch(window[data.map]);
    data.layers.forEach(function (name) {
      window[name].eachLayer(function (l) {
        var pid = l.feature.properties.project_id;
        l.bindPopup(function () { return lpTrack.popup(pid); }, {maxWidth: 440});
        l.bindTooltip(lpTrack.el('span', data.projects[pid].tip), {sticky: true});
      });
    });
  }
};
