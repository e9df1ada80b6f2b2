// map.html: styles, popups, search, the park and year filters, the legend and the
// labels, from the page's config (landplan/maps.py). Plain ES5, so the page works in
// the older browsers intranets keep. Text from the data is put on screen with
// textContent, never as markup.
var landplan = {
  config: null, labels: null, entries: [], filter: {park: '', year: ''},
  PARCEL_KEYS: ['factory', 'vacant', 'collective'],
  styles: {
    status: function (f) {
      var c = landplan.config, p = f.properties;
      var line = c.statusOutlines[p.status] || ['#333', '', 1];
      return {color: line[0], weight: line[2], dashArray: line[1] || null,
              fillColor: c.kindFills[p.kind] || '#eee', fillOpacity: 0.9};
    },
    sector: function (f) {
      var c = landplan.config, s = (f.properties.sectors || '').split(';')[0];
      return {color: '#222', weight: 1, fillColor: c.sectorColours[s] || '#666',
              fillOpacity: 0.85};
    },
    ratio: function (f) {
      // the class is worked out in Python against the scenario's cap ratio
      var c = landplan.config, p = f.properties, k = c.ratioClasses[p.ratio_class];
      return {color: p.capped ? '#000' : '#555', weight: p.capped ? 2.5 : 1,
              dashArray: p.capped ? '4 3' : null, fillColor: k ? k[1] : '#ccc',
              fillOpacity: 0.85};
    },
    tier: function (f) {
      var c = landplan.config, p = f.properties;
      var recovered = p.renewal === 'recovered', offered = p.renewal === 'offered';
      return {color: recovered || offered ? '#000' : '#555',
              weight: recovered ? 3 : offered ? 2 : 0.8,
              dashArray: offered ? '5 3' : null,
              fillColor: c.tierColours[p.tier] || '#ccc', fillOpacity: 0.85};
    },
    swap: function (f) {
      var c = landplan.config, p = f.properties, colour = c.swapStyles[p.swap] || '#333';
      if (p.swap === 'out') {
        return {color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.75};
      }
      return {color: colour, weight: p.swap === 'merged' ? 3.5 : 3,
              dashArray: p.swap === 'merged' ? '8 4' : null, fill: false};
    },
    importance: function (f) {
      var c = landplan.config, p = f.properties, k = c.importanceClasses[p.importance_class];
      var colour = p.withhold === 'infeasible' ? c.cannotWithhold : (k ? k[1] : '#ccc');
      return {color: '#555', weight: 1, fillColor: colour, fillOpacity: 0.85};
    }
  },
  el: function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  },
  num: function (v, digits) {
    var lang = landplan.config.lang === 'zh' ? 'zh-CN' : 'en-GB';
    return Number(v).toLocaleString(lang, {maximumFractionDigits: digits});
  },
  map: function () { return window[landplan.config.map]; },
  group: function (key) { return window[landplan.config.layers[key]]; },
  // every row a popup may show, by layer; each key has a header in the catalogue
  ROWS: {
    parcel: ['parcel_id', 'kind', 'zoning', 'park', 'area_ha', 'area_mu', 'status', 'site'],
    tiers: ['tier', 'score', 'firms', 'renewal'],
    consolidation: ['parcel_id', 'park', 'area_ha', 'area_mu', 'swap', 'site'],
    placed: ['project_ids', 'project_names', 'sectors', 'years', 'land_used_ha', 'land_used_mu'],
    money: ['base_share', 'share', 'subsidy', 'spread_burden', 'share_ratio', 'capped',
            'importance', 'importance_low', 'importance_pct', 'withhold']
  },
  value: function (name, v) {
    var c = landplan.config, t = c.text;
    if (name === 'kind' || name === 'status' || name === 'tier' || name === 'renewal' ||
        name === 'swap') { return t[name + '.' + v] || v; }
    if (name === 'zoning') { return c.zoningLabels[v] ? v + ' ' + c.zoningLabels[v] : v; }
    if (name === 'capped') { return v ? c.capText : t.no; }
    if (name === 'withhold') { return v === 'infeasible' ? t['map.cannot_withhold'] : null; }
    if (name === 'sectors') {
      return String(v).split(';').map(function (s) { return c.sectorLabels[s] || s; })
        .join(c.lang === 'zh' ? '；' : '; ');
    }
    if (typeof v === 'number') {
      return landplan.num(v, name === 'share_ratio' ? 3 : name.slice(-3) === '_ha' ? 4 : 2);
    }
    return v;
  },
  popup: function (p, key) {
    var c = landplan.config, t = c.text, R = landplan.ROWS;
    var box = landplan.el('div', null, 'lp-popup'), table = landplan.el('table');
    var rows = key === 'consolidation' ? R.consolidation.slice() : R.parcel.slice();
    if (key === 'tiers') { rows = rows.concat(R.tiers); }
    if (p.project_ids && key !== 'consolidation') {
      rows = rows.concat(R.placed);
      if (key === 'costshare' || key === 'allocation' || key === 'importance') {
        rows = rows.concat(R.money);
      }
    }
    if (key === 'importance') {  // what the layer shows, first: a tall popup scrolls
      var first = ['parcel_id', 'importance', 'importance_low', 'importance_pct', 'withhold'];
      rows = first.concat(rows.filter(function (r) { return first.indexOf(r) < 0; }));
    }
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i], v = p[name];
      if (v === null || v === undefined || v === '') { continue; }
      v = landplan.value(name, v);
      if (v === null) { continue; }
      var tr = landplan.el('tr');
      tr.appendChild(landplan.el('th', t[name]));
      tr.appendChild(landplan.el('td', v));
      table.appendChild(tr);
    }
    box.appendChild(table);
    var firms = key === 'tiers' ? (c.firms[p.parcel_id] || []) : [];
    for (var f = 0; f < firms.length; f++) {
      var firm = firms[f], sub = landplan.el('table', null, 'lp-firm');
      box.appendChild(landplan.el('div', firm.firm + ' · ' + (t['tier.' + firm.tier] ||
                                  firm.tier), 'lp-firm-name'));
      for (var r in firm) {
        if (r === 'firm' || r === 'tier') { continue; }
        var line = landplan.el('tr');
        line.appendChild(landplan.el('th', t[r] || r));
        line.appendChild(landplan.el('td', r === 'rd_intensity'
          ? landplan.num(100 * firm[r], 2) + '%' : landplan.num(firm[r], 2)));
        sub.appendChild(line);
      }
      box.appendChild(sub);
    }
    if (p.project_ids && (key === 'allocation' || key === 'costshare')) {
      var ids = String(p.project_ids).split(';');
      for (var k = 0; k < ids.length; k++) {
        var why = c.why[ids[k]];
        if (why) {
          box.appendChild(landplan.el('div', t['map.why'] + ' ' + ids[k] + '：' + why, 'lp-why'));
        }
      }
    }
    return box;
  },
  bind: function (f, layer, key) {
    var p = f.properties;
    layer.bindPopup(function () { return landplan.popup(p, key); }, {maxWidth: 360});
    var tip = p.parcel_id + (p.project_ids ? ' · ' + p.project_ids : '');
    layer.bindTooltip(landplan.el('span', tip), {sticky: true});
    if (landplan.PARCEL_KEYS.indexOf(key) >= 0 || key === 'allocation') {
      var names = String(p.project_names || '').split(';');
      var ids = p.project_ids ? String(p.project_ids).split(';') : [];
      landplan.entries.push({text: p.parcel_id, sub: p.park, layer: layer, key: key,
                             kind: 'parcel'});
      for (var i = 0; i < ids.length && key === 'allocation'; i++) {
        landplan.entries.push({text: ids[i] + ' ' + (names[i] || ''), sub: p.parcel_id,
                               layer: layer, key: key, kind: 'project'});
      }
    }
  },
  control: function (position, build) {
    var C = L.Control.extend({onAdd: function () {
      var div = landplan.el('div', null, 'lp-panel');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      build(div);
      return div;
    }});
    return new C({position: position});
  },
  foldable: function (div, title, body, folded) {
    // a panel whose body folds away behind its title
    var t = landplan.config.text, head = landplan.el('h4', title);
    var button = landplan.el('button', folded ? t['map.show'] : t['map.hide'], 'lp-fold');
    button.type = 'button';
    button.addEventListener('click', function () {
      landplan.fold(div, div.className.indexOf('lp-folded') < 0);
    });
    head.appendChild(button);
    body.className += ' lp-body';
    div.appendChild(head);
    div.appendChild(body);
    if (folded) { landplan.fold(div, true); }
  },
  fold: function (div, folded) {
    var t = landplan.config.text, button = div.querySelector('button.lp-fold');
    div.className = div.className.replace(' lp-folded', '') + (folded ? ' lp-folded' : '');
    button.textContent = folded ? t['map.show'] : t['map.hide'];
  },
  // -- search: ids, project names, parks, unplaced projects; every word of the query.
  // A placed parcel is found on the allocation layer (its popup names its projects).
  matches: function (query) {
    var words = String(query).trim().toLowerCase().split(/\s+/), out = [], at = {};
    if (!words[0]) { return out; }
    landplan.entries.forEach(function (e) {
      var hay = (e.text + ' ' + (e.sub || '')).toLowerCase(), ok = true;
      for (var w = 0; w < words.length; w++) { ok = ok && hay.indexOf(words[w]) >= 0; }
      var id = e.text + '|' + e.kind;
      if (!ok) { return; }
      if (at[id] === undefined) { at[id] = out.length; out.push(e); }
      else if (e.key === 'allocation') { out[at[id]] = e; }
    });
    // parks first, then projects (placed or not), then parcels; an exact id first
    var order = {park: 0, project: 1, unplaced: 2, parcel: 3}, q = words.join(' ');
    out.sort(function (a, b) {
      var exact = (b.text.toLowerCase().split(' ')[0] === q) - (a.text.toLowerCase()
        .split(' ')[0] === q);
      return exact || order[a.kind] - order[b.kind];
    });
    return out.slice(0, 12);
  },
  go: function (e) {
    var map = landplan.map();
    if (e.kind === 'park') {
      landplan.setPark(e.text);
      return;
    }
    if (e.kind === 'unplaced') {
      var panel = document.getElementById('lp-unplaced'), li = document.getElementById(e.id);
      landplan.fold(panel, false);
      var old = panel.querySelector('.lp-hit');
      if (old) { old.className = ''; }
      li.className = 'lp-hit';
      li.scrollIntoView({block: 'nearest'});
      return;
    }
    var group = landplan.group(e.key);
    if (group && !map.hasLayer(group)) { map.addLayer(group); }
    if (landplan.filter.park && e.layer.feature.properties.park !== landplan.filter.park) {
      landplan.setPark('');
    }
    map.fitBounds(e.layer.getBounds(), {maxZoom: 17});
    e.layer.openPopup(e.layer.getBounds().getCenter());
  },
  find: function (query) {
    var found = landplan.matches(query);
    if (found.length) { landplan.go(found[0]); }
    return found.length > 0;
  },
  search: function (div) {
    var t = landplan.config.text, input = landplan.el('input'), list = landplan.el('ul');
    var note = landplan.el('div', null, 'lp-note');
    input.type = 'search'; input.placeholder = t['map.search']; input.id = 'lp-search';
    list.id = 'lp-matches';
    function show() {
      list.textContent = '';
      var found = landplan.matches(input.value);
      note.textContent = input.value.trim() && !found.length ? t['map.not_found'] : '';
      found.forEach(function (e) {
        var li = landplan.el('li'), tag = landplan.el('span', t['map.kind_' + e.kind], 'lp-tag');
        li.appendChild(tag);
        li.appendChild(document.createTextNode(' ' + e.text + (e.sub ? ' · ' + e.sub : '')));
        li.addEventListener('click', function () {
          landplan.go(e);
          // emptied after the click is done: Leaflet walks up from the clicked item to
          // see that the click was the panel's and not the map's (which closes popups)
          setTimeout(function () { list.textContent = ''; }, 0);
        });
        list.appendChild(li);
      });
    }
    input.addEventListener('input', show);
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') {
        note.textContent = landplan.find(input.value) ? '' : t['map.not_found'];
        list.textContent = '';
      }
    });
    div.appendChild(input); div.appendChild(list); div.appendChild(note);
  },
  // -- filters: one park, one handover year; the layers and the labels follow
  applyFilter: function () {
    var c = landplan.config, f = landplan.filter;
    for (var key in c.layers) {
      if (key === 'parks' || !landplan.all[key]) { continue; }
      var group = landplan.group(key), placed = key !== 'consolidation' &&
        landplan.PARCEL_KEYS.indexOf(key) < 0 && key !== 'tiers';
      group.clearLayers();
      landplan.all[key].forEach(function (l) {
        var p = l.feature.properties;
        if (f.park && p.park !== f.park) { return; }
        if (f.year && placed && String(p.years || '').split(';').indexOf(f.year) < 0) {
          return;
        }
        group.addLayer(l);
      });
    }
    landplan.showLabels();
  },
  setPark: function (park) {
    var map = landplan.map(), c = landplan.config;
    landplan.filter.park = park;
    var select = document.getElementById('lp-park');
    if (select) { select.value = park; }
    landplan.applyFilter();
    var bounds = park ? c.parkBounds[park] : c.bounds;
    if (bounds) { map.fitBounds(bounds); }
  },
  filters: function (div) {
    var c = landplan.config, t = c.text;
    var park = landplan.el('select');
    park.id = 'lp-park'; park.title = t['map.park_filter'];
    park.appendChild(landplan.el('option', t['map.all_parks']));
    park.options[0].value = '';
    c.parkNames.forEach(function (name) {
      var o = landplan.el('option', name); o.value = name; park.appendChild(o);
    });
    park.addEventListener('change', function () { landplan.setPark(park.value); });
    div.appendChild(park);
    if (c.years && c.years.length) {
      var year = landplan.el('select');
      year.id = 'lp-year'; year.title = t['map.year_filter'];
      year.appendChild(landplan.el('option', t['map.all_years']));
      year.options[0].value = '';
      c.years.forEach(function (y) {
        var o = landplan.el('option', t['map.year_filter'] + ' ' + y);
        o.value = y; year.appendChild(o);
      });
      year.addEventListener('change', function () {
        landplan.filter.year = year.value;
        landplan.applyFilter();
      });
      div.appendChild(year);
    }
  },
  // -- the legend: a section per layer on the map, kept clear of the layer control
  legend: function () {
    var c = landplan.config, t = c.text, map = landplan.map();
    var body = document.querySelector('#lp-legend .lp-body');
    body.textContent = '';
    function on(key) { return c.layers[key] && map.hasLayer(landplan.group(key)); }
    function row(fill, text, line, dash) {
      var r = landplan.el('div'), s = landplan.el('span', null, 'lp-swatch');
      s.style.background = fill;
      if (line) {
        var kind = !dash ? 'solid ' : dash.length > 3 ? 'dashed ' : 'dotted ';
        s.style.border = '2px ' + kind + line;
      }
      r.appendChild(s); r.appendChild(document.createTextNode(text)); body.appendChild(r);
    }
    function head(text) { body.appendChild(landplan.el('b', text)); }
    if (on('allocation')) {
      head(t['map.allocation']);
      for (var s in c.sectorColours) { row(c.sectorColours[s], c.sectorLabels[s] || s); }
    }
    var kinds = landplan.PARCEL_KEYS.filter(on);
    if (kinds.length) {
      head(t['map.kind_fill']);
      kinds.forEach(function (k) { row(c.kindFills[k], t['kind.' + k]); });
      head(t['map.status_outline']);
      for (var st in c.statusOutlines) {
        var o = c.statusOutlines[st];
        row('#fff', t['status.' + st] || st, o[0], o[1]);
      }
    }
    if (on('costshare')) {
      head(t['map.costshare']);
      c.ratioClasses.forEach(function (k) { row(k[1], k[0]); });
      row('#fff', c.capText, '#000', '4 3');
    }
    if (on('tiers')) {
      head(t['map.tiers']);
      for (var tier in c.tierColours) { row(c.tierColours[tier], t['tier.' + tier]); }
      row('#fff', t['renewal.offered'], '#000', '5 3');
      row('#fff', t['renewal.recovered'], '#000');
    }
    if (on('consolidation')) {
      var sw = c.swapStyles;
      head(t['map.consolidation']);
      row('#fff', t['swap.merged'], sw.merged, '8 4');
      row(sw.out, t['swap.out']);
      row('#fff', t['swap.in'], sw['in']);
    }
    if (on('importance')) {
      head(t.importance_pct);
      c.importanceClasses.forEach(function (k) { row(k[1], k[0]); });
      row(c.cannotWithhold, t['map.cannot_withhold']);
    }
    if (!body.childNodes.length) { body.appendChild(landplan.el('div', t.none)); }
    landplan.fit();
  },
  fit: function () {
    // the legend scrolls rather than run under the layer control (1366×768 screens)
    var layers = document.querySelector('.leaflet-control-layers');
    var panel = document.getElementById('lp-legend');
    var body = panel && panel.querySelector('.lp-body');
    if (!layers || !body) { return; }
    body.style.maxHeight = '';
    var room = panel.getBoundingClientRect().top - layers.getBoundingClientRect().bottom - 8;
    if (room < 0) {
      body.style.maxHeight = Math.max(60, body.getBoundingClientRect().height + room) + 'px';
    }
  },
  // -- labels: ids on the parcels from config.labelZoom on, none overlapping another
  showLabels: function () {
    var c = landplan.config, map = landplan.map();
    if (!landplan.labels) { landplan.labels = L.layerGroup().addTo(map); }
    landplan.labels.clearLayers();
    if (map.getZoom() < c.labelZoom) { return; }
    var view = map.getBounds().pad(0.1), wanted = [];
    landplan.PARCEL_KEYS.forEach(function (key) {
      var group = landplan.group(key);
      if (!group || !map.hasLayer(group)) { return; }
      group.eachLayer(function (l) {
        var p = l.feature.properties, centre = l.getBounds().getCenter();
        if (!view.contains(centre)) { return; }
        if (landplan.filter.year && p.project_ids &&
            String(p.years || '').split(';').indexOf(landplan.filter.year) < 0) { return; }
        wanted.push({layer: l, p: p, centre: centre, rank: (p.project_ids ? 1e9 : 0) +
                     (p.area_ha || 0)});
      });
    });
    wanted.sort(function (a, b) { return b.rank - a.rank; });
    var boxes = [];
    wanted.forEach(function (w) {
      var ids = w.p.project_ids ? String(w.p.project_ids).split(';') : [];
      var second = ids.length ? ids[0] + (ids.length > 1 ? ' +' + (ids.length - 1) : '') : '';
      var width = 7 * Math.max(String(w.p.parcel_id).length, second.length) + 6;
      var height = second ? 28 : 15, at = map.latLngToContainerPoint(w.centre);
      var box = [at.x - width / 2, at.y - height / 2, at.x + width / 2, at.y + height / 2];
      for (var i = 0; i < boxes.length; i++) {
        var o = boxes[i];
        if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) { return; }
      }
      boxes.push(box);
      var span = landplan.el('span');
      span.appendChild(landplan.el('div', w.p.parcel_id));
      if (second) { span.appendChild(landplan.el('b', second)); }
      L.marker(w.centre, {interactive: false, keyboard: false,
        icon: L.divIcon({className: 'lp-label', html: span, iconSize: null})
      }).addTo(landplan.labels);
    });
  },
  start: function (config) {
    landplan.config = config;
    var map = window[config.map], t = config.text;
    lpPrint.watch(map);
    // a canvas hands a click to the topmost shape containing it, filled or not
    for (var i = 0; i < config.passive.length; i++) {
      window[config.passive[i]].eachLayer(function (l) { l.options.interactive = false; });
    }
    landplan.all = {};
    for (var key in config.styles) {
      var layer = window[config.layers[key]], style = landplan.styles[config.styles[key]];
      layer.options.style = style;
      layer.setStyle(style);
      layer.eachLayer(function (l) { landplan.bind(l.feature, l, key); });
      landplan.all[key] = layer.getLayers();
    }
    config.parkNames.forEach(function (name) {
      landplan.entries.push({text: name, kind: 'park'});
    });
    config.unplaced.forEach(function (u, k) {
      landplan.entries.push({text: u.project_id + ' ' + (u.name || ''), sub: u.reason,
                             kind: 'unplaced', id: 'lp-u' + k});
    });
    L.control.scale({metric: true, imperial: false, position: 'bottomright'}).addTo(map);
    landplan.control('topleft', function (div) {
      div.className += ' lp-search';
      landplan.search(div);
      landplan.filters(div);
    }).addTo(map);
    landplan.control('bottomleft', function (div) {
      div.id = 'lp-unplaced';
      var list = landplan.el('ul', null, 'lp-unplaced');
      config.unplaced.forEach(function (u, k) {
        var li = landplan.el('li');
        li.id = 'lp-u' + k;
        li.appendChild(landplan.el('b', u.project_id + ' ' + (u.name || '')));
        var colon = config.lang === 'zh' ? '：' : ': ';
        li.appendChild(landplan.el('div', u.reason + (u.detail ? colon + u.detail : '')));
        list.appendChild(li);
      });
      if (!config.unplaced.length) { list.appendChild(landplan.el('li', t.none)); }
      var title = t['map.unplaced'] + ' (' + config.unplaced.length + ')';
      landplan.foldable(div, title, list, window.innerHeight < 800);
    }).addTo(map);
    landplan.control('bottomright', function (div) {
      div.id = 'lp-legend';
      landplan.foldable(div, t['map.legend'], landplan.el('div'), false);
    }).addTo(map);
    var parks = config.layers.parks && window[config.layers.parks];
    if (parks) {
      var n = 0;
      parks.eachLayer(function (l) {
        if (l.setIcon && n < config.parkNames.length) {
          var span = landplan.el('span', config.parkNames[n++]);
          l.options.interactive = false;  // a label must not swallow clicks on parcels
          l.setIcon(L.divIcon({className: 'lp-park-label', html: span, iconSize: null}));
        }
      });
    }
    map.on('overlayadd overlayremove', function () { landplan.legend(); landplan.showLabels(); });
    map.on('zoomend moveend', landplan.showLabels);
    window.addEventListener('resize', landplan.fit);
    landplan.legend();
    landplan.showLabels();
  }
};
