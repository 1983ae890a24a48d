import FaceIcon from '@mui/icons-material/Face';
import { PersonaCreate } from './PersonaCreate';
import { PersonaEdit } from './PersonaEdit';
import { PersonaList } from './PersonaList';

export default { list: PersonaList, create: PersonaCreate, edit: PersonaEdit, icon: FaceIcon };
