"""The services the commands and the studio call: a photo file retouched and written
(``retouch_file``), the retouch of a loaded photo (``retouch``) and the contact sheet
(``contact_sheet``). Above the session, render, face and imaging layers; below cli, batch and
ui. No Qt."""
