// Printing a Leaflet map (map.html, tracking.html): before the browser lays the page
// out for paper, the map is sized to an A4 landscape page less its 8 mm margins and
// zoomed to show all of the view on screen; its canvas is redrawn at once, so the
// paper holds the whole view, not the part of the screen's canvas that fits. After
// printing, the screen's size and view come back.
var lpPrint = {
  // 281 x 194 mm at 96 px to the inch, a little less for the browser's rounding
  WIDTH: 1056, HEIGHT: 726,
  redraw: function (map) {
    map.eachLayer(function (layer) {
      if (layer instanceof L.Canvas && layer._redraw) { layer._redraw(); }
    });
  },
  watch: function (map) {
    var box = map.getContainer(), saved = null;
    window.addEventListener('beforeprint', function () {
      saved = {width: box.style.width, height: box.style.height,
               centre: map.getCenter(), zoom: map.getZoom(), view: map.getBounds()};
      box.style.width = lpPrint.WIDTH + 'px';
      box.style.height = lpPrint.HEIGHT + 'px';
      map.invalidateSize({animate: false, pan: false});
      var snap = map.options.zoomSnap;
      map.options.zoomSnap = 0.1;  // the view as large as the paper allows
      map.setView(saved.view.getCenter(), map.getBoundsZoom(saved.view), {reset: true});
      map.options.zoomSnap = snap;
      lpPrint.redraw(map);
    });
    window.addEventListener('afterprint', function () {
      if (!saved) { return; }
      box.style.width = saved.width;
      box.style.height = saved.height;
      map.invalidateSize({animate: false, pan: false});
      map.setView(saved.centre, saved.zoom, {reset: true});
      lpPrint.redraw(map);
      saved = null;
    });
  }
};
