// map.html: styles, popups, search, legend, labels and the year filter, from the
// page's config (landplan/maps.py). Plain ES5, so the page works in the older
// browsers intranets keep. Text from the data is put on screen with textContent.
var landplan = {
  config: null, index: {}, labels: null,
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
      var c = landplan.config, r = f.properties.share_ratio, colour = '#ccc';
      for (var i = 0; i < c.ratioClasses.length; i++) {
        var k = c.ratioClasses[i];
        if (r !== null && r >= k[0] && (k[1] === null || r < k[1])) { colour = k[2]; }
      }
      var capped = f.properties.capped;
      return {color: capped ? '#000' : '#555', weight: capped ? 2.5 : 1,
              dashArray: capped ? '4 3' : null, fillColor: colour, fillOpacity: 0.85};
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
      var c = landplan.config, p = f.properties, r = p.importance_pct, colour = '#ccc';
      for (var i = 0; i < c.importanceClasses.length; i++) {
        var k = c.importanceClasses[i];
        if (r !== undefined && r !== null && r >= k[0] && (k[1] === null || r < k[1])) {
          colour = k[2];
        }
      }
      if (p.withhold === 'infeasible') { colour = c.cannotWithhold; }
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
  popup: function (p, key) {
    var c = landplan.config, t = c.text, box = landplan.el('div', null, 'lp-popup');
    var table = landplan.el('table');
    var rows = ['parcel_id', 'kind', 'zoning', 'park', 'area_ha', 'area_mu', 'status'];
    if (key === 'tiers') { rows = rows.concat(['tier', 'score', 'firms', 'renewal']); }
    if (key === 'consolidation') { rows = ['parcel_id', 'park', 'area_ha', 'area_mu', 'swap']; }
    rows.push('site');
    if (p.project_ids) {
      rows = rows.concat(['project_ids', 'project_names', 'sectors', 'years',
                          'land_used_ha', 'land_used_mu']);
      if (key === 'costshare' || key === 'allocation' || key === 'importance') {
        rows = rows.concat(['base_share', 'share', 'subsidy', 'spread_burden', 'share_ratio',
                            'capped', 'importance', 'importance_pct', 'withhold']);
      }
    }
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i], v = p[name];
      if (v === null || v === undefined || v === '') { continue; }
      if (name === 'kind' || name === 'status' || name === 'tier' || name === 'renewal' ||
          name === 'swap') {
        v = t[name + '.' + v] || v;
      }
      else if (name === 'capped') { v = v ? t.yes : t.no; }
      else if (name === 'withhold') {
        if (v !== 'infeasible') { continue; }
        v = t['map.cannot_withhold'];
      } else if (name === 'sectors') {
        v = String(v).split(';').map(function (s) { return c.sectorLabels[s] || s; }).join('；');
      } else if (typeof v === 'number') {
        v = landplan.num(v, name === 'share_ratio' ? 3 : name.slice(-3) === '_ha' ? 4 : 2);
      }
      var tr = landplan.el('tr');
      tr.appendChild(landplan.el('th', t[name] || name));
      tr.appendChild(landplan.el('td', v));
      table.appendChild(tr);
    }
    box.appendChild(table);
    var firms = key === 'tiers' ? (c.firms[p.parcel_id] || []) : [];
    for (var f = 0; f < firms.length; f++) {
      var firm = firms[f], sub = landplan.el('table', null, 'lp-firm');
      var head = landplan.el('div', firm.firm + ' · ' + (t['tier.' + firm.tier] || firm.tier),
                             'lp-firm-name');
      box.appendChild(head);
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
    layer.bindPopup(function () { return landplan.popup(p, key); });
    var tip = p.parcel_id + (p.project_ids ? ' · ' + p.project_ids : '');
    layer.bindTooltip(landplan.el('span', tip), {sticky: true});
    var ids = [p.parcel_id].concat(p.project_ids ? p.project_ids.split(';') : []);
    for (var i = 0; i < ids.length; i++) {
      var k = String(ids[i]).toLowerCase();
      if (!landplan.index[k] || key === 'allocation') { landplan.index[k] = layer; }
    }
    if (key === 'factory' || key === 'vacant' || key === 'collective') {
      // its label, shown from config.labelZoom on: the parcel id, its projects in bold
      var span = landplan.el('span');
      span.appendChild(landplan.el('div', p.parcel_id));
      if (p.project_ids) {
        var ids = String(p.project_ids).split(';');
        var more = ids.length > 1 ? ' +' + (ids.length - 1) : '';
        span.appendChild(landplan.el('b', ids[0] + more));
      }
      landplan.pending.push([layer, span]);
    }
  },
  pending: [],
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
    var button = landplan.el('button', folded ? t['map.show'] : t['map.hide']);
    button.type = 'button';
    button.className = 'lp-fold';
    button.addEventListener('click', function () {
      var now = div.className.indexOf('lp-folded') < 0;
      div.className = now ? div.className + ' lp-folded' : div.className.replace(' lp-folded', '');
      button.textContent = now ? t['map.show'] : t['map.hide'];
    });
    head.appendChild(button);
    body.className += ' lp-body';
    div.appendChild(head);
    div.appendChild(body);
    if (folded) { div.className += ' lp-folded'; }
  },
  find: function (query) {
    var layer = landplan.index[String(query).trim().toLowerCase()];
    var map = window[landplan.config.map];
    if (!layer) { return false; }
    var group = null;
    for (var key in landplan.config.layers) {
      var g = window[landplan.config.layers[key]];
      if (g && g.hasLayer && g.hasLayer(layer)) { group = g; }
    }
    if (group && !map.hasLayer(group)) { map.addLayer(group); }
    map.fitBounds(layer.getBounds(), {maxZoom: 17});
    layer.openPopup(layer.getBounds().getCenter());
    return true;
  },
  legend: function (div) {
    var config = landplan.config, t = config.text, body = landplan.el('div');
    function row(fill, label, line, dash) {
      var r = landplan.el('div'), s = landplan.el('span', null, 'lp-swatch');
      s.style.background = fill;
      if (line) {
        var kind = !dash ? 'solid ' : dash.length > 3 ? 'dashed ' : 'dotted ';
        s.style.border = '2px ' + kind + line;
      }
      r.appendChild(s); r.appendChild(document.createTextNode(label)); body.appendChild(r);
    }
    body.appendChild(landplan.el('b', t['map.allocation']));
    for (var s in config.sectorColours) {
      row(config.sectorColours[s], config.sectorLabels[s] || s);
    }
    body.appendChild(landplan.el('b', t['map.kind_fill']));
    for (var k in config.kindFills) { row(config.kindFills[k], t['kind.' + k] || k); }
    body.appendChild(landplan.el('b', t['map.status_outline']));
    for (var st in config.statusOutlines) {
      var o = config.statusOutlines[st];
      row('#fff', t['status.' + st] || st, o[0], o[1]);
    }
    body.appendChild(landplan.el('b', t['map.costshare']));
    for (var i = 0; i < config.ratioClasses.length; i++) {
      var c = config.ratioClasses[i];
      row(c[2], c[0] + (c[1] === null ? '+' : '–' + c[1]));
    }
    row('#fff', t.capped, '#000', '4 3');
    if (Object.keys(config.tierColours).length) {
      body.appendChild(landplan.el('b', t['map.tiers']));
      for (var tier in config.tierColours) { row(config.tierColours[tier], t['tier.' + tier]); }
      row('#fff', t['renewal.offered'], '#000', '5 3');
      row('#fff', t['renewal.recovered'], '#000');
    }
    if (Object.keys(config.swapStyles).length) {
      var sw = config.swapStyles;
      body.appendChild(landplan.el('b', t['map.consolidation']));
      row('#fff', t['swap.merged'], sw.merged, '8 4');
      row(sw.out, t['swap.out']);
      row('#fff', t['swap.in'], sw['in']);
    }
    if (config.importanceClasses.length) {
      body.appendChild(landplan.el('b', t.importance_pct));
      for (var m = 0; m < config.importanceClasses.length; m++) {
        var q = config.importanceClasses[m];
        row(q[2], q[0] + (q[1] === null ? '+' : '–' + q[1]));
      }
      row(config.cannotWithhold, t['map.cannot_withhold']);
    }
    landplan.foldable(div, t['map.legend'], body, false);
  },
  showLabels: function () {
    var map = window[landplan.config.map], on = map.getZoom() >= landplan.config.labelZoom;
    if (!landplan.labels) {
      landplan.labels = L.layerGroup();
      for (var i = 0; i < landplan.pending.length; i++) {
        var layer = landplan.pending[i][0], span = landplan.pending[i][1];
        L.marker(layer.getBounds().getCenter(), {
          interactive: false, keyboard: false,
          icon: L.divIcon({className: 'lp-label', html: span, iconSize: null})
        }).addTo(landplan.labels);
      }
    }
    if (on && !map.hasLayer(landplan.labels)) { map.addLayer(landplan.labels); }
    if (!on && map.hasLayer(landplan.labels)) { map.removeLayer(landplan.labels); }
  },
  start: function (config) {
    landplan.config = config;
    var map = window[config.map], t = config.text;
    // a canvas hands a click to the topmost shape containing it, filled or not
    for (var i = 0; i < config.passive.length; i++) {
      window[config.passive[i]].eachLayer(function (l) { l.options.interactive = false; });
    }
    for (var key in config.styles) {
      var layer = window[config.layers[key]], style = landplan.styles[config.styles[key]];
      layer.options.style = style;
      layer.setStyle(style);
      layer.eachLayer(function (l) { landplan.bind(l.feature, l, key); });
    }
    L.control.scale({metric: true, imperial: false, position: 'bottomright'}).addTo(map);
    landplan.control('topleft', function (div) {
      div.className += ' lp-search';
      var input = landplan.el('input'), note = landplan.el('div');
      input.type = 'search'; input.placeholder = t['map.search']; input.id = 'lp-search';
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') {
          note.textContent = landplan.find(input.value) ? '' : t['map.not_found'];
        }
      });
      div.appendChild(input); div.appendChild(note);
    }).addTo(map);
    landplan.control('bottomleft', function (div) {
      div.id = 'lp-unplaced';
      var list = landplan.el('ul', null, 'lp-unplaced');
      for (var i = 0; i < config.unplaced.length; i++) {
        var u = config.unplaced[i], li = landplan.el('li');
        li.appendChild(landplan.el('b', u.project_id + ' ' + (u.name || '')));
        var colon = config.lang === 'zh' ? '：' : ': ';
        li.appendChild(landplan.el('div', u.reason + (u.detail ? colon + u.detail : '')));
        list.appendChild(li);
      }
      if (!config.unplaced.length) { list.appendChild(landplan.el('li', t.none)); }
      var title = t['map.unplaced'] + ' (' + config.unplaced.length + ')';
      landplan.foldable(div, title, list, window.innerHeight < 700);
    }).addTo(map);
    landplan.control('bottomright', function (div) {
      div.id = 'lp-legend';
      landplan.legend(div);
    }).addTo(map);
    var parks = config.layers.parks && window[config.layers.parks];
    if (parks) {
      var n = 0;
      parks.eachLayer(function (l) {
        if (l.setIcon && n < config.parkLabels.length) {
          var span = landplan.el('span', config.parkLabels[n++]);
          l.options.interactive = false;  // a label must not swallow clicks on parcels
          l.setIcon(L.divIcon({className: 'lp-park-label', html: span, iconSize: null}));
        }
      });
    }
    if (config.years && config.years.length) { landplan.yearFilter(map); }
    map.on('zoomend', landplan.showLabels);
    landplan.showLabels();
  },
  // phasing: show the placed parcels of one handover year (allocation, cost share,
  // importance), or of all
  yearFilter: function (map) {
    var c = landplan.config, t = c.text, keys = ['allocation', 'costshare', 'importance'];
    var all = {};
    keys.forEach(function (k) {
      if (c.layers[k]) { all[k] = window[c.layers[k]].getLayers(); }
    });
    landplan.control('topleft', function (div) {
      div.className += ' lp-search';
      var select = landplan.el('select');
      select.id = 'lp-year';
      select.title = t['map.year_filter'];
      select.appendChild(landplan.el('option', t['map.all_years']));
      select.options[0].value = '';
      c.years.forEach(function (y) {
        var o = landplan.el('option', t['map.year_filter'] + ' ' + y);
        o.value = y; select.appendChild(o);
      });
      select.addEventListener('change', function () {
        var y = select.value;
        for (var k in all) {
          var layer = window[c.layers[k]];
          layer.clearLayers();
          all[k].forEach(function (l) {
            var mine = String(l.feature.properties.years || '').split(';');
            if (!y || mine.indexOf(y) >= 0) { layer.addLayer(l); }
          });
        }
      });
      div.appendChild(select);
    }).addTo(map);
  }
};
